package dev.corral.web.metrics;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.matcher.PathParser;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Request rate and latency by route template ({@code /v1/leases/{id}}, as registered, never the
 * concrete path: VM names, lease ids and host names stay out of the labels), method and status. A
 * request that matched no route is labelled {@link #UNMATCHED}.
 */
public final class HttpMetrics {
  public static final String UNMATCHED = "unmatched";
  private static final String STARTED = "corral.metrics.started";
  private static final String ROUTE = "corral.metrics.route";
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final MeterRegistry registry;

  /** Every route in registration order, the order Javalin picks the first match in. */
  private final List<Route> routes = new CopyOnWriteArrayList<>();

  public HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  private record Route(HandlerType method, String template, PathParser parser) {}

  /**
   * Learns each route as it is added (Javalin's public handlerAdded event) and matches paths the
   * way Javalin's router does ({@link PathParser} with the app's router settings): the route a
   * request refused by a before-handler was meant for is known nowhere else, as Javalin only
   * matches once the before-handlers passed.
   */
  public void configure(JavalinConfig cfg) {
    cfg.events(
        events ->
            events.handlerAdded(
                h -> {
                  if (h.getHttpMethod().isHttpMethod()) {
                    routes.add(
                        new Route(
                            h.getHttpMethod(),
                            h.getPath(),
                            new PathParser(h.getPath(), cfg.router)));
                  }
                }));
  }

  /**
   * Register before every other before-handler, so refused requests (401, 413, 429) are timed too.
   */
  public void register(Javalin app) {
    app.before(ctx -> ctx.attribute(STARTED, System.nanoTime()));
    // Runs only once every before-handler passed and an endpoint matched: the route is known here.
    app.beforeMatched(ctx -> ctx.attribute(ROUTE, ctx.endpointHandlerPath()));
    app.after(this::record);
  }

  private void record(Context ctx) {
    Long started = ctx.attribute(STARTED);
    if (started == null) {
      return;
    }
    Timer.builder("corral.http.requests")
        .description("HTTP requests by route template, method and status")
        .tags(
            "route",
            route(ctx),
            "method",
            ctx.method().name(),
            "status",
            Integer.toString(ctx.statusCode()))
        .serviceLevelObjectives(BUCKETS)
        .register(registry)
        .record(Duration.ofNanos(System.nanoTime() - started));
  }

  private String route(Context ctx) {
    String matched = ctx.attribute(ROUTE);
    if (matched != null) {
      return matched;
    }
    // Refused by a before-handler (size, rate, credentials): the endpoint it was meant for, if any.
    String path = ctx.path();
    return routes.stream()
        .filter(r -> r.method() == ctx.method() && r.parser().matches(path))
        .map(Route::template)
        .findFirst()
        .orElse(UNMATCHED);
  }
}
