package dev.corral.web.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.ContentType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The API reference: the OpenAPI document kept by hand in {@code openapi.yaml} beside this class,
 * served as JSON at {@code GET /openapi.json}, and Swagger UI at {@code GET /docs}, whose scripts
 * and styles come from the swagger-ui webjar on the classpath under {@code /webjars/} (no CDN,
 * nothing fetched from the network). Both are read once at start-up: a broken document stops Corral
 * from starting rather than serving nonsense.
 */
public final class ApiDocs {
  public static final String DOCUMENT_PATH = "/openapi.json";
  public static final String PAGE_PATH = "/docs";
  static final String DOCUMENT_RESOURCE = "openapi.yaml";
  private static final String PAGE_RESOURCE = "swagger-ui.html";
  private static final String WEBJAR_PROPERTIES =
      "/META-INF/maven/org.webjars/swagger-ui/pom.properties";

  private final String document;
  private final String page;

  private ApiDocs(String document, String page) {
    this.document = document;
    this.page = page;
  }

  public static ApiDocs load() {
    String page =
        resource(PAGE_RESOURCE)
            .replace("{{assets}}", "/webjars/swagger-ui/" + swaggerUiVersion())
            .replace("{{document}}", DOCUMENT_PATH);
    return new ApiDocs(documentJson(), page);
  }

  /** Serves the webjars on the classpath (Swagger UI's) under {@code /webjars/NAME/VERSION/}. */
  public static void configure(JavalinConfig cfg) {
    cfg.staticFiles.enableWebjars();
  }

  public void register(Javalin app) {
    app.get(DOCUMENT_PATH, ctx -> ctx.contentType(ContentType.APPLICATION_JSON).result(document));
    app.get(PAGE_PATH, ctx -> ctx.html(page));
  }

  /** The document as JSON, converted from the YAML that people edit. */
  static String documentJson() {
    LoaderOptions options = new LoaderOptions();
    Object tree = new Yaml(new SafeConstructor(options)).load(resource(DOCUMENT_RESOURCE));
    try {
      return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(DOCUMENT_RESOURCE + " cannot be written as JSON", e);
    }
  }

  private static String swaggerUiVersion() {
    Properties properties = new Properties();
    try (InputStream in = ApiDocs.class.getResourceAsStream(WEBJAR_PROPERTIES)) {
      if (in == null) {
        throw new IllegalStateException(
            "the swagger-ui webjar is not on the classpath (" + WEBJAR_PROPERTIES + ")");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version");
  }

  private static String resource(String name) {
    try (InputStream in = ApiDocs.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "missing resource " + name + " beside " + ApiDocs.class.getSimpleName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
