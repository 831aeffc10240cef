package dev.corral.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The reconciler's pace ({@code reconcile:}) and what it may destroy ({@code purge:}).
 *
 * @param tick time between two passes of a provider's reconciler
 * @param window every live VM is checked with its provider once within it; the provider's inventory
 *     is listed for unknown VMs once per window
 * @param dryRun unknown VMs are only reported ("would purge"), never destroyed
 * @param allowlist glob patterns ({@code *}, {@code ?}) of VM names that are never purged
 * @param vmChecktime ready VMs (the ones leases get) are health-checked at least this often
 *     (vmpooler's {@code vm_checktime}); from tick to window, the window when not set. Shorter
 *     costs more provider calls: {@code ready VMs × tick / vm_checktime} a tick on top of the
 *     window's share
 */
public record ReconcileConfig(
    Duration tick, Duration window, boolean dryRun, List<String> allowlist, Duration vmChecktime) {
  public static final Duration DEFAULT_TICK = Duration.ofSeconds(30);
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);
  public static final List<String> DEFAULT_ALLOWLIST = List.of("corral-keep-*");
  public static final ReconcileConfig DEFAULTS =
      new ReconcileConfig(DEFAULT_TICK, DEFAULT_WINDOW, false, DEFAULT_ALLOWLIST, DEFAULT_WINDOW);

  public ReconcileConfig {
    allowlist = List.copyOf(allowlist);
    vmChecktime = vmChecktime == null ? window : vmChecktime;
  }

  /**
   * Whether {@code vmName} matches one of the allowlist's patterns (whole name, case-sensitive).
   */
  public boolean allowlisted(String vmName) {
    return allowlist.stream().anyMatch(glob -> glob(glob).matcher(vmName).matches());
  }

  static Pattern glob(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
