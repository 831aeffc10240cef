package dev.corral.web;

import dev.corral.activities.CorralWorkers;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.web.cli.Cli;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code corral} command: {@code corral serve [--config FILE]} (also with no command) runs
 * Corral until interrupted; every other subcommand ({@code status}, {@code lease}, {@code config
 * check}, ...) is {@link Cli}'s.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length == 0 || args[0].equals("serve")) {
      String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
      Integer answered = Cli.checkServe(rest, System.out, System.err);
      if (answered != null) {
        System.exit(answered);
      }
      serve(rest);
      return;
    }
    System.exit(Cli.run(args, System.getenv(), System.out, System.err));
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
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  stopped.countDown();
                },
                "corral-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
