package dev.corral.web.abuse;

import io.javalin.config.JavalinConfig;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.Set;
import org.eclipse.jetty.servlet.FilterHolder;

/**
 * The method a request arrives with is the method it gets. Javalin would take {@code
 * X-HTTP-Method-Override} as the method, so a GET (which a page on any site can make a browser
 * send) could release a lease; Corral documents no override, so the header is hidden from Javalin.
 * And a HEAD is served as the GET it asks about (authentication, existence, status and headers
 * alike); the connector sends no body for a HEAD, whatever the handler wrote. Without this Javalin
 * answered 200 to a HEAD of any GET route without running it.
 */
public final class RequestMethods {
  /** The override headers frameworks honour; none of them is Corral's. */
  private static final Set<String> OVERRIDES =
      Set.of("x-http-method-override", "x-http-method", "x-method-override");

  private RequestMethods() {}

  public static void configure(JavalinConfig cfg) {
    cfg.jetty.modifyServletContextHandler(
        handler ->
            handler.addFilter(
                new FilterHolder(
                    (Filter)
                        (req, res, chain) ->
                            chain.doFilter(
                                req instanceof HttpServletRequest http ? new AsSent(http) : req,
                                res)),
                "/*",
                EnumSet.of(DispatcherType.REQUEST)));
  }

  private static final class AsSent extends HttpServletRequestWrapper {
    AsSent(HttpServletRequest request) {
      super(request);
    }

    @Override
    public String getMethod() {
      String method = super.getMethod();
      return "HEAD".equals(method) ? "GET" : method;
    }

    @Override
    public String getHeader(String name) {
      return OVERRIDES.contains(name.toLowerCase(java.util.Locale.ROOT))
          ? null
          : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return OVERRIDES.contains(name.toLowerCase(java.util.Locale.ROOT))
          ? Collections.emptyEnumeration()
          : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
      return Collections.enumeration(
          Collections.list(super.getHeaderNames()).stream()
              .filter(name -> !OVERRIDES.contains(name.toLowerCase(java.util.Locale.ROOT)))
              .toList());
    }
  }
}
