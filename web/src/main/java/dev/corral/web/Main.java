package dev.corral.web;

import dev.corral.activities.CorralWorkers;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/** {@code corral serve [--config FILE]}: runs Corral until interrupted. */
public final class Main {
  private static final String USAGE =
      """
      usage: corral serve [--config FILE]
             corral reconcile --all [--url URL] [--provider NAME] [--force] [--token TOKEN]

      Runs Corral. Without a config it runs everything in one process on 127.0.0.1: an embedded
      MariaDB (data under ./.corral), an in-process Temporal server and a simulated provider with two
      demo pools. Config sources, first found wins: --config FILE, CORRAL_CONFIG (inline YAML),
      CORRAL_CONFIG_FILE (a path), built-in defaults.

      A running Corral reads its config file again on SIGHUP (kill -HUP PID) or POST /v1/config/reload: pools,
      template groups, tracker sources, users, quotas, purge rules and rate limits change at once; a file with
      problems is rejected whole and the running config kept.

      reconcile --all asks a running Corral (--url, default http://127.0.0.1:7070) to reconcile every
      provider now (or only --provider NAME): each live VM is checked with its provider, and unknown VMs
      are purged at their second sighting, or at once with --force; allowlisted ones never, and under
      purge.dry_run nothing is destroyed. Prints the JSON summary. With auth on, pass an admin's token
      (--token, or CORRAL_TOKEN).
      """;

  private Main() {}

  public static void main(String[] args) {
    String command = args.length == 0 ? "serve" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (command) {
      case "serve" -> serve(rest);
      case "reconcile" -> System.exit(ReconcileCommand.run(rest, System.getenv(), System.out, System.err));
      case "help", "--help", "-h" -> System.out.print(USAGE);
      default -> {
        System.err.println("corral: unknown command '" + command + "'");
        System.err.print(USAGE);
        System.exit(2);
      }
    }
  }

  private static void serve(String[] args) {
    CorralApp app;
    try {
      app = CorralApp.start(ConfigLoader.source(args, System.getenv()), CorralWorkers.DEFAULTS);
    } catch (ConfigException e) {
      System.err.println("corral: the config has problems:\n" + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("corral: could not start: " + e.getMessage());
      System.exit(1);
      return;
    }
    ReloadSignal.install(app);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.close();
      stopped.countDown();
    }, "corral-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
