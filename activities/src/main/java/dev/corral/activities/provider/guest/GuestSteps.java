package dev.corral.activities.provider.guest;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.Readiness;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The preparation steps and the reuse cleanup that run inside a guest of the contract, the same
 * whichever hypervisor runs it: the agent's refusal fails a step for good (running it again would
 * be refused again), an agent that cannot be reached fails it for a passing reason.
 */
public final class GuestSteps {
  /** Agent calls of the chain and of the reuse cleanup. */
  public static final Duration AGENT_TIMEOUT = Duration.ofMinutes(5);

  /**
   * A group's configure script may install software: it gets most of the configure step's two
   * hours.
   */
  public static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(110);

  private static final Duration POLL = Duration.ofMillis(100);

  /** Reaches the agent of one VM with a given timeout. */
  @FunctionalInterface
  public interface Agents {
    GuestAgent agent(Duration timeout);
  }

  private GuestSteps() {}

  /**
   * Writes the group's key/values into the guest's configuration file; a {@code script} value runs
   * in the guest instead.
   */
  public static void configure(String vmName, Agents agents, Map<String, String> configuration) {
    Map<String, String> values = new LinkedHashMap<>(configuration);
    String script = values.remove("script");
    GuestAgent agent = agents.agent(script == null ? AGENT_TIMEOUT : SCRIPT_TIMEOUT);
    try {
      if (!values.isEmpty() || script == null) {
        agent.configure(
            values.entrySet().stream()
                .map(e -> e.getKey() + "=" + oneLine(e.getValue()))
                .collect(Collectors.joining("\n", "", "\n")));
      }
      if (script != null) {
        agent.run(script);
      }
    } catch (GuestAgent.Refused e) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "configure of " + vmName + " failed: " + e.getMessage());
    } catch (IOException e) {
      throw ProviderException.transientFailure(
          "configure of " + vmName + ": guest agent unreachable: " + e.getMessage());
    }
  }

  /** Removes per-instance state; the guest powers itself off after answering. */
  public static void seal(String vmName, Agents agents) {
    try {
      agents.agent(AGENT_TIMEOUT).seal();
    } catch (GuestAgent.Refused e) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "seal of " + vmName + " failed: " + e.getMessage());
    } catch (IOException e) {
      throw ProviderException.transientFailure(
          "seal of " + vmName + ": guest agent unreachable: " + e.getMessage());
    }
  }

  /**
   * Removes user data for the owner's next lease; any failure means the VM is destroyed instead.
   */
  public static void cleanForReuse(String vmName, Agents agents) {
    try {
      agents.agent(AGENT_TIMEOUT).clean();
    } catch (IOException e) {
      throw ProviderException.permanent(
          ErrorTypes.CLEANUP_FAILED, "cleaning " + vmName + " for reuse failed: " + e.getMessage());
    }
  }

  /**
   * Polls {@code probe} until the guest is ready, as deploy does before the chain's next step. A
   * failed probe fails for good (BootFailed); so does a guest that is not up within {@code timeout}
   * (BootTimeout), with the console's last lines.
   */
  public static void awaitReady(
      String vmName, Duration timeout, Supplier<Readiness> probe, Supplier<String> console) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Readiness r = probe.get();
      if (r.state() == Readiness.State.READY) {
        return;
      }
      if (r.state() == Readiness.State.FAILED) {
        throw ProviderException.permanent(
            ErrorTypes.BOOT_FAILED, "deploy of " + vmName + " failed: " + r.reason());
      }
      if (System.nanoTime() > deadline) {
        throw ProviderException.permanent(
            ErrorTypes.BOOT_TIMEOUT,
            vmName + " was not up within " + timeout + "; console: " + console.get());
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ProviderException.transientFailure("interrupted");
      }
    }
  }

  private static String oneLine(String value) {
    return value == null ? "" : value.replace("\r", "").replace("\n", "\\n");
  }
}
