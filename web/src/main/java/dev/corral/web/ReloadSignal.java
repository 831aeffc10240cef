package dev.corral.web;

import dev.corral.config.ConfigException;
import dev.corral.web.api.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP reloads the config, as daemons do ({@code kill -HUP <pid>}). The outcome goes to the log:
 * a file with problems names each and keeps the running config, exactly like {@code POST
 * /v1/config/reload}.
 */
final class ReloadSignal {
  private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);

  private ReloadSignal() {}

  static void install(CorralApp app) {
    try {
      // Signal handlers run on a JVM thread of their own; the reload is synchronized with HTTP
      // reloads.
      SignalHandler before = Signal.handle(new Signal("HUP"), signal -> reload(app));
      // A process started with SIGHUP ignored (nohup) keeps it ignored: the JVM installs no handler
      // then.
      if (before == SignalHandler.SIG_IGN) {
        log.warn(
            "SIGHUP is ignored by this process (started under nohup?), so it cannot reload the config; use"
                + " POST /v1/config/reload or corral config reload");
      }
    } catch (IllegalArgumentException e) {
      log.warn(
          "SIGHUP is not available here ({}); reload the config with POST /v1/config/reload",
          e.getMessage());
    }
  }

  private static void reload(CorralApp app) {
    try {
      app.reloadConfig();
    } catch (ConfigException e) {
      log.error(
          "SIGHUP: the config was not reloaded, the running config is kept: {}", e.getMessage());
    } catch (ApiException e) {
      log.error("SIGHUP: the config was not reloaded: {}", e.getMessage());
    } catch (RuntimeException e) {
      log.error("SIGHUP: the config reload failed; the running config is kept", e);
    }
  }
}
