package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API reference against the running app: {@code GET /openapi.json} documents exactly the routes
 * Javalin has under {@code /v1} and {@code /health} (both ways), is a well-formed OpenAPI 3.0
 * document, and what the handlers really answer (successes and errors alike, on every operation)
 * fits the documented status codes and schemas field for field. {@code GET /docs} is a Swagger UI
 * page on that document whose assets are served from this server.
 */
class OpenApiEndToEndTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  /** The route prefixes the document covers: the native API and health. */
  private static final List<String> DOCUMENTED_PREFIXES = List.of("/v1/", "/health/");

  static CorralApp app;
  static Http http;
  static OpenApiDocument doc;
  static String alice;
  static String root;
  static String bob;
  static final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Operations whose live replies were checked against the document. */
  static final Set<String> checked = new TreeSet<>();

  @BeforeAll
  static void start() throws IOException {
    Path dataDir = TestDirs.fresh("e2e-openapi");
    Path builds = dataDir.resolve("builds.yaml");
    Files.createDirectories(dataDir);
    Files.writeString(
        builds,
        "builds:\n  - {group: debian-12, name: debian-12-a, version: \"12.7\", date: "
            + LocalDate.now().minusDays(1)
            + ", ga: true, usable: true, providers: [sim]}\n");
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0, max_body_bytes: 2048}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: bob, password: bob-pw}
            - {name: root, password: root-pw, admin: true}
        quotas:
          per_user: {max_vms: 2}
        template_groups:
          debian-12: {obsolete_days: 30, keep_prepared: 1}
        tracker:
          interval: 1h
          sources:
            - file: %s
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, step_seconds: 0.05, snapshot_seconds: 0.05,
                revert_seconds: 0.05, disk_seconds: 0.05, max_vms: 20, max_concurrent_clones: 10}
        pools:
          - {name: deb, alias: [debian], template: t, size: 2, max_lifetime: 24h, anonymous: true}
          - {name: sel, template: {group: debian-12, version: latest, prepared: false}, size: 1}
        """
            .formatted(dataDir.toAbsolutePath(), builds.toAbsolutePath());
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "openapi.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    Http.Reply served = http.get("/openapi.json");
    assertEquals(200, served.status(), "GET /openapi.json: " + served.body());
    doc = new OpenApiDocument(served.body());
    alice = http.token("alice", "alice-pw");
    root = http.token("root", "root-pw");
    bob = http.token("bob", "bob-pw");
    awaitFull();
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static void awaitFull() {
    http.await(
        "/v1/pools",
        LIMIT,
        pools ->
            Http.pool(pools, "deb").get("ready").asInt() == 2
                && Http.pool(pools, "sel").get("ready").asInt() == 1);
  }

  @Test
  void everyNativeRoute_isDocumented_andEveryDocumentedOperation_isARoute() {
    Set<String> routes = new TreeSet<>();
    for (String route : app.routes()) {
      String path = route.substring(route.indexOf(' ') + 1);
      if (DOCUMENTED_PREFIXES.stream().anyMatch(path::startsWith)) {
        routes.add(route);
      }
    }
    assertTrue(routes.size() >= 40, "the routes were enumerated from Javalin: " + routes);
    Set<String> documented = new TreeSet<>(doc.operations());
    Set<String> undocumented = new TreeSet<>(routes);
    undocumented.removeAll(documented);
    Set<String> routeless = new TreeSet<>(documented);
    routeless.removeAll(routes);
    assertTrue(
        undocumented.isEmpty(),
        "routes missing from web/src/main/resources/dev/corral/web/api/openapi.yaml: "
            + undocumented);
    assertTrue(routeless.isEmpty(), "documented operations that no route serves: " + routeless);
  }

  @Test
  void theDocument_isStructurallyValidOpenApi3() {
    List<String> problems = doc.structuralProblems();
    assertTrue(
        problems.isEmpty(), problems.size() + " problem(s):\n" + String.join("\n", problems));
  }

  @Test
  void swaggerUiPage_pointsAtTheDocument_andItsAssetsAreServedHere() {
    Text page = text("/docs");
    assertEquals(200, page.status());
    assertTrue(page.contentType().startsWith("text/html"), page.contentType());
    assertTrue(page.body().contains("url: \"/openapi.json\""), page.body());
    Matcher asset = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page.body());
    List<String> assets = new ArrayList<>();
    while (asset.find()) {
      assets.add(asset.group(1));
    }
    assertTrue(
        assets.stream().anyMatch(a -> a.endsWith("/swagger-ui-bundle.js")),
        "the page loads Swagger UI: " + assets);
    assertTrue(
        assets.stream().anyMatch(a -> a.endsWith("/swagger-ui.css")),
        "the page loads its styles: " + assets);
    for (String path : assets) {
      assertTrue(
          path.startsWith("/webjars/swagger-ui/"),
          "an asset from elsewhere than this server: " + path);
      Text served = text(path);
      assertEquals(200, served.status(), path);
      assertTrue(served.body().length() > 100, path + " is empty");
    }
    String bundle =
        assets.stream().filter(a -> a.endsWith("/swagger-ui-bundle.js")).findFirst().orElseThrow();
    assertTrue(text(bundle).contentType().contains("javascript"), text(bundle).contentType());
    Text document = text("/openapi.json");
    assertTrue(document.contentType().startsWith("application/json"), document.contentType());
  }

  /**
   * A walk through every operation with real requests, each reply checked against the document: the
   * status must be one it lists, and every field must be described with the right type (closed
   * objects, enums, nullability, formats).
   */
  @Test
  void liveReplies_fitTheDocumentedStatusesAndSchemas() {
    JsonNode pools = call("GET", "/v1/pools", "/v1/pools", null, 200);
    assertTrue(Http.pool(pools, "sel").get("template_selector").isObject(), pools.toString());

    // Leases, and a VM's tasks.
    JsonNode lease =
        call(
            "POST",
            "/v1/leases",
            "/v1/leases",
            "{\"vms\": {\"debian\": 1}, \"lifetime\": \"2h\", \"tags\": {\"job\": \"https://ci/job/1\"}}",
            201,
            alice);
    String leaseId = lease.get("id").asText();
    String vm = lease.get("vms").get(0).get("name").asText();
    call("GET", "/v1/leases/{id}", "/v1/leases/" + leaseId, null, 200, alice);
    call("GET", "/v1/leases/{id}", "/v1/leases/" + leaseId, null, 401);
    call("GET", "/v1/leases", "/v1/leases?state=active&limit=10", null, 200, alice);
    call(
        "PATCH",
        "/v1/leases/{id}",
        "/v1/leases/" + leaseId,
        "{\"lifetime\": \"3h\", \"tags\": {\"n\": 2}}",
        200,
        alice);
    call("GET", "/v1/vms", "/v1/vms?pool=deb", null, 200);
    JsonNode snapshot =
        call("POST", "/v1/vms/{name}/snapshots", "/v1/vms/" + vm + "/snapshots", null, 202, alice);
    call(
        "POST",
        "/v1/vms/{name}/snapshots/{id}/revert",
        "/v1/vms/" + vm + "/snapshots/" + snapshot.get("snapshot_id").asText() + "/revert",
        null,
        202,
        alice);
    call(
        "POST", "/v1/vms/{name}/disks", "/v1/vms/" + vm + "/disks", "{\"size_gb\": 8}", 202, alice);
    http.await(
        "/v1/vms/" + vm,
        LIMIT,
        v ->
            v.get("tasks").size() == 3
                && v.get("tasks").findValues("state").stream()
                    .allMatch(s -> s.asText().equals("done")));
    JsonNode detail = call("GET", "/v1/vms/{name}", "/v1/vms/" + vm, null, 200);
    assertEquals(1, detail.get("snapshots").size(), detail.toString());
    assertEquals(1, detail.get("disks").size(), detail.toString());

    // Waiting leases.
    JsonNode waiting =
        call(
            "POST",
            "/v1/leases",
            "/v1/leases",
            "{\"vms\": {\"deb\": 1}, \"wait\": \"1m\"}",
            202,
            root);
    call(
        "DELETE",
        "/v1/pending-leases/{id}",
        "/v1/pending-leases/" + waiting.get("id").asText(),
        null,
        200,
        root);
    JsonNode pending =
        call(
            "POST",
            "/v1/pending-leases",
            "/v1/pending-leases",
            "{\"vms\": {\"deb\": 3}, \"wait\": \"1m\", \"request_id\": \"openapi-1\"}",
            202,
            root);
    call(
        "GET",
        "/v1/pending-leases/{id}",
        "/v1/pending-leases/" + pending.get("id").asText(),
        null,
        200,
        root);
    call(
        "GET",
        "/v1/pending-leases/{id}",
        "/v1/pending-leases/" + pending.get("id").asText(),
        null,
        403,
        alice);
    call(
        "POST",
        "/v1/pending-leases",
        "/v1/pending-leases",
        "{\"vms\": {\"deb\": 1}, \"wait\": \"1m\", \"request_id\": \"openapi-1\"}",
        409,
        root);
    call(
        "DELETE",
        "/v1/pending-leases/{id}",
        "/v1/pending-leases/" + pending.get("id").asText(),
        null,
        200,
        root);

    // Providers and the reconciler.
    call("GET", "/v1/providers", "/v1/providers", null, 200);
    call("GET", "/v1/providers/{name}/inventory", "/v1/providers/sim/inventory", null, 200);
    call("GET", "/v1/providers/{name}/inventory", "/v1/providers/nope/inventory", null, 404);
    call(
        "POST",
        "/v1/reconcile",
        "/v1/reconcile",
        "{\"provider\": \"sim\", \"force\": true}",
        200,
        root);
    call(
        "POST",
        "/v1/providers/{name}/disable",
        "/v1/providers/sim/disable",
        "{\"reason\": \"maintenance\"}",
        200,
        root);
    call(
        "POST",
        "/v1/providers/{name}/disable",
        "/v1/providers/sim/disable",
        "{\"reason\": 7}",
        400,
        root);
    call("POST", "/v1/providers/{name}/enable", "/v1/providers/sim/enable", null, 200, root);
    call("POST", "/v1/providers/{name}/enable", "/v1/providers/sim/enable", null, 403, alice);
    call("POST", "/v1/providers/{name}/disable", "/v1/providers/nope/disable", null, 404, root);
    // Started from a config object, this Corral has no file to read again.
    call("POST", "/v1/config/reload", "/v1/config/reload", null, 409, root);
    call("POST", "/v1/config/reload", "/v1/config/reload", null, 403, alice);
    JsonNode status = call("GET", "/v1/reconcile", "/v1/reconcile", null, 200);
    assertTrue(status.get("providers").get(0).get("last_pass").isObject(), status.toString());

    // Templates and builds.
    call("GET", "/v1/template-groups", "/v1/template-groups", null, 200);
    JsonNode raw = call("GET", "/v1/templates", "/v1/templates?group=debian-12", null, 200).get(0);
    String versions = "/v1/template-groups/{group}/versions";
    call("GET", versions, "/v1/template-groups/debian-12/versions", null, 200);
    call("GET", versions, "/v1/template-groups/nope/versions", null, 404);
    call("GET", versions, "/v1/template-groups/debian-12/versions?prepared=x", null, 400);
    String dates = versions + "/{version}/dates";
    call("GET", dates, "/v1/template-groups/debian-12/versions/latest/dates", null, 200);
    call("GET", dates, "/v1/template-groups/debian-12/versions/99/dates", null, 404);
    String holders = dates + "/{date}/providers";
    call(
        "GET",
        holders,
        "/v1/template-groups/debian-12/versions/12.7/dates/latest/providers",
        null,
        200);
    call(
        "GET", holders, "/v1/template-groups/debian-12/versions/12.7/dates/x/providers", null, 400);
    call("GET", "/v1/templates/{id}", "/v1/templates/" + raw.get("id").asLong(), null, 200);
    JsonNode build =
        call(
            "POST",
            "/v1/builds",
            "/v1/builds",
            "{\"template\": \"debian-12-a\", \"provider\": \"sim\"}",
            201,
            root);
    String buildPath = "/v1/builds/" + build.get("id").asLong();
    http.await(buildPath, LIMIT, b -> b.get("state").asText().equals("succeeded"));
    JsonNode built = call("GET", "/v1/builds/{id}", buildPath, null, 200);
    call("GET", "/v1/builds", "/v1/builds?state=succeeded", null, 200);
    call("POST", "/v1/builds/{id}/cancel", buildPath + "/cancel", null, 409, root);
    call("POST", "/v1/builds/{id}/retry", buildPath + "/retry", null, 409, root);
    call("POST", "/v1/builds/{id}/retry", buildPath + "/retry", null, 403, alice);
    call("POST", "/v1/tracker/poll", "/v1/tracker/poll", null, 202, root);
    JsonNode deleted =
        call(
            "DELETE",
            "/v1/templates/{id}",
            "/v1/templates/" + built.get("result_template_id").asLong(),
            null,
            200,
            root);
    assertEquals("deleted", deleted.get("state").asText());
    call("GET", "/v1/templates/{id}", "/v1/templates/0", null, 400);

    // Pool overrides (admin).
    call("PUT", "/v1/pools/{name}/size", "/v1/pools/deb/size", "{\"size\": 3}", 200, root);
    call("DELETE", "/v1/pools/{name}/size", "/v1/pools/deb/size", null, 200, root);
    call(
        "PUT",
        "/v1/pools/{name}/template",
        "/v1/pools/sel/template",
        "{\"template\": \"debian-12-a\"}",
        200,
        root);
    call("DELETE", "/v1/pools/{name}/template", "/v1/pools/sel/template", null, 200, root);
    call(
        "PUT",
        "/v1/pools/{name}/clone-target",
        "/v1/pools/deb/clone-target",
        "{\"provider\": \"sim\"}",
        200,
        root);
    call("DELETE", "/v1/pools/{name}/clone-target", "/v1/pools/deb/clone-target", null, 200, root);
    call("PUT", "/v1/pools/{name}/size", "/v1/pools/deb/size", "{\"size\": 3}", 403, alice);
    call("PUT", "/v1/pools/{name}/size", "/v1/pools/deb/size", "{\"size\": 3}", 401);
    call("POST", "/v1/pools/{name}/reset", "/v1/pools/nope/reset", null, 404, root);

    // Tokens.
    JsonNode token =
        call(
            "POST",
            "/v1/tokens",
            "/v1/tokens",
            "{\"ttl\": \"1h\"}",
            201,
            "Authorization",
            Http.basic("alice", "alice-pw"));
    call("GET", "/v1/tokens", "/v1/tokens", null, 200, alice);
    call("DELETE", "/v1/tokens/{id}", "/v1/tokens/" + token.get("id").asLong(), null, 200, alice);
    call("GET", "/v1/tokens", "/v1/tokens", null, 401);

    // Refusals, each in the one error shape.
    awaitFull();
    call("POST", "/v1/leases", "/v1/leases", "{\"vms\": {\"nope\": 1}}", 404);
    call("POST", "/v1/leases", "/v1/leases", "{\"vms\": {\"deb\": 1}", 400);
    call("POST", "/v1/leases", "/v1/leases", "{\"vms\": {\"deb\": 1}, \"color\": \"red\"}", 400);
    call("POST", "/v1/leases", "/v1/leases", "{\"vms\": {\"sel\": 1}}", 401);
    call(
        "POST",
        "/v1/leases",
        "/v1/leases",
        "{\"vms\": {\"deb\": 1}}",
        401,
        "X-AUTH-TOKEN",
        "not-a-token");
    call("POST", "/v1/leases", "/v1/leases", "{\"vms\": {\"deb\": 2}}", 429, alice);
    call("POST", "/v1/leases", "/v1/leases", "{\"vms\": {\"deb\": 50}}", 503);
    call(
        "POST",
        "/v1/leases",
        "/v1/leases",
        "{\"vms\": {\"deb\": 1}, \"tags\": {\"x\": \"" + "y".repeat(3000) + "\"}}",
        413);
    call("GET", "/v1/leases", "/v1/leases?owner=root", null, 403, alice);
    call("GET", "/v1/vms", "/v1/vms?state=sleeping", null, 400);
    call("GET", "/v1/vms/{name}", "/v1/vms/nope", null, 404);
    call("DELETE", "/v1/leases/{id}", "/v1/leases/" + leaseId, null, 403, bob);
    call("DELETE", "/v1/leases/{id}", "/v1/leases/" + leaseId, null, 200, alice);
    call("PATCH", "/v1/leases/{id}", "/v1/leases/" + leaseId, "{\"lifetime\": \"4h\"}", 409, alice);
    call("POST", "/v1/vms/{name}/snapshots", "/v1/vms/" + vm + "/snapshots", null, 404, alice);

    call("POST", "/v1/pools/{name}/reset", "/v1/pools/deb/reset", null, 202, root);
    call("GET", "/health/live", "/health/live", null, 200);
    call("GET", "/health/ready", "/health/ready", null, 200);

    Set<String> unchecked = new TreeSet<>(doc.operations());
    unchecked.removeAll(checked);
    assertTrue(
        unchecked.isEmpty(), "operations this walk did not exercise (add a call): " + unchecked);
  }

  /**
   * Sends a request and checks the reply: it must have {@code status}, the operation must document
   * that status, and the body must fit the documented schema. {@code auth} is a token, or header
   * name/value pairs.
   */
  private static JsonNode call(
      String method, String template, String path, String body, int status, String... auth) {
    String[] headers = auth.length == 1 ? new String[] {"X-AUTH-TOKEN", auth[0]} : auth;
    Http.Reply reply = http.send(method, path, body, headers);
    String what = method + " " + path + " -> " + reply.status() + " " + clip(reply.body());
    assertEquals(status, reply.status(), what);
    List<String> problems =
        doc.problems(doc.responseSchema(method, template, status), reply.body());
    assertTrue(
        problems.isEmpty(), what + "\ndoes not fit the document:\n" + String.join("\n", problems));
    if (status == 401) {
      assertTrue(
          reply.headers().firstValue("WWW-Authenticate").isPresent(),
          "a 401 names the scheme: " + what);
    }
    checked.add(method + " " + template);
    return reply.body();
  }

  private record Text(int status, String contentType, String body) {}

  private static Text text(String path) {
    try {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create(app.baseUrl() + path))
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Text(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(""),
          response.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String clip(JsonNode body) {
    String s = String.valueOf(body);
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
