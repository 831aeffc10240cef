package dev.corral.web.temporal;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal's in-memory test server, served over real gRPC on a loopback port. It keeps nothing
 * across restarts, which is why start-up rebuilds workflows from the database. Workflows closed for
 * longer than {@link #RETENTION} are forgotten ({@link ClosedWorkflowEviction}), as a real
 * cluster's retention does, and so are cancelled timers ({@link TimerHousekeeping}), so memory
 * stays flat however many VMs come and go. It answers only the process that started it ({@link
 * SecretHeaderCheck}): the port is open to every local process, and Corral's workflows are no
 * business of theirs.
 *
 * <p>Built from internal classes because the test server's own port-bound factory binds every
 * interface; the Temporal version is pinned in the parent pom for that reason.
 */
public final class EmbeddedTemporal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedTemporal.class);

  /**
   * How long a closed workflow stays readable (history, describe). Short, because nothing in Corral
   * reads a closed workflow: the database holds every outcome. A minute of VM churn at 25/s is ~25
   * MB.
   */
  public static final Duration RETENTION = Duration.ofMinutes(1);

  static final Duration HOUSEKEEPING_EVERY = Duration.ofSeconds(10);

  private final TestServicesStarter services;
  private final Server server;
  private final SecretHeaderCheck secret;
  private final ClosedWorkflowEviction eviction;
  private final TimerHousekeeping timer;
  private final ScheduledExecutorService housekeeper;

  private EmbeddedTemporal(
      TestServicesStarter services, Server server, SecretHeaderCheck secret, Duration retention) {
    this.services = services;
    this.server = server;
    this.secret = secret;
    this.eviction =
        ClosedWorkflowEviction.of(services, retention.toMillis(), System::currentTimeMillis);
    this.timer = TimerHousekeeping.install(services);
    this.housekeeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "temporal-housekeeping");
              t.setDaemon(true);
              return t;
            });
  }

  public static EmbeddedTemporal start(String host, int port) {
    return start(host, port, RETENTION, HOUSEKEEPING_EVERY);
  }

  /** Tests shorten the retention and the housekeeping period. */
  static EmbeddedTemporal start(
      String host, int port, Duration retention, Duration housekeepingEvery) {
    // lockTimeSkipping=true: timers run on the real clock, as in production.
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(host, port), InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    SecretHeaderCheck secret = SecretHeaderCheck.withRandomSecret();
    builder.intercept(secret);
    Server server;
    try {
      server = builder.build().start();
    } catch (IOException e) {
      services.close();
      throw new UncheckedIOException(
          "could not start the embedded Temporal server on " + host + ":" + port, e);
    }
    EmbeddedTemporal temporal;
    try {
      temporal = new EmbeddedTemporal(services, server, secret, retention);
    } catch (RuntimeException e) {
      server.shutdownNow();
      services.close();
      throw e;
    }
    temporal.housekeeper.scheduleWithFixedDelay(
        temporal::houseKeep,
        housekeepingEvery.toMillis(),
        housekeepingEvery.toMillis(),
        TimeUnit.MILLISECONDS);
    return temporal;
  }

  /** Lets go of what the test server never lets go of by itself. */
  private void houseKeep() {
    try {
      Set<Object> forgotten = eviction.evict();
      int purged = timer.purge(forgotten);
      log.debug(
          "housekeeping: forgot {} closed workflow(s) and {} timer(s) of no use",
          forgotten.size(),
          purged);
    } catch (RuntimeException e) {
      // Never let one failure end the schedule: the next run tries again.
      log.warn("embedded Temporal housekeeping failed: {}", e.toString());
    }
  }

  /** Executions the server holds now, open ones and closed ones not yet forgotten. */
  int executionsHeld() {
    return eviction.executionsHeld();
  }

  /** Timers the server has queued. */
  int timersQueued() {
    return timer.queued();
  }

  public String target() {
    return "127.0.0.1:" + server.getPort();
  }

  /**
   * How to reach this server: its address and the secret it asks of every call, long polls and
   * health checks included. Callers add their own options (metrics) to the builder.
   */
  public WorkflowServiceStubsOptions.Builder clientOptions() {
    return WorkflowServiceStubsOptions.newBuilder()
        .setTarget(target())
        .setHeaders(secret.clientHeaders());
  }

  @Override
  public void close() {
    housekeeper.shutdownNow();
    server.shutdown();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    services.close();
    server.shutdownNow();
  }
}
