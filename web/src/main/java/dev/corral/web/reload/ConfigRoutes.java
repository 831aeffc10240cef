package dev.corral.web.reload;

import dev.corral.config.ConfigException;
import dev.corral.config.ConfigProblem;
import dev.corral.web.api.ApiException;
import dev.corral.web.auth.AdminOnly;
import io.javalin.Javalin;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code POST /v1/config/reload}: an admin's call when auth is on. */
public final class ConfigRoutes {
  private final ConfigReloader reloader;

  public ConfigRoutes(ConfigReloader reloader) {
    this.reloader = reloader;
  }

  public void register(Javalin app) {
    app.post(
        "/v1/config/reload",
        ctx -> {
          ConfigReloader.Result result;
          try {
            result = reloader.reload();
          } catch (ConfigException e) {
            throw rejected(e);
          }
          Map<String, Object> reply = new LinkedHashMap<>();
          reply.put("reloaded", true);
          reply.put("source", result.source());
          reply.put("at", result.at());
          reply.put("changed", result.changed());
          reply.put("restart_required", result.restartRequired());
          ctx.json(reply);
        },
        AdminOnly.to("reload the config"));
  }

  /**
   * 422 with every problem, each with its key and line, like {@code corral config check} prints
   * them.
   */
  static ApiException rejected(ConfigException e) {
    List<Map<String, Object>> problems = e.problems().stream().map(ConfigRoutes::problem).toList();
    return new ApiException(
        422,
        "invalid_config",
        "the config was not reloaded, the running config is kept: "
            + problems.size()
            + " problem(s) in "
            + e.sourceName(),
        Map.of("source", e.sourceName(), "problems", problems));
  }

  private static Map<String, Object> problem(ConfigProblem p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", p.path());
    m.put("line", p.line());
    m.put("message", p.message());
    return m;
  }
}
