package dev.corral.config;

import java.time.Duration;
import java.util.List;

/**
 * Binds {@code reconcile: {tick, window, vm_checktime}} and {@code purge: {dry_run, allowlist}}.
 */
final class ReconcileConfigBinder {
  /** Below a second the loop would spend its time on Temporal round trips. */
  static final Duration MIN_TICK = Duration.ofSeconds(1);

  private final YamlNodes nodes;

  ReconcileConfigBinder(YamlNodes nodes) {
    this.nodes = nodes;
  }

  ReconcileConfig bind(YamlMapping top) {
    ReconcileConfig pace = top.bind("reconcile", this::pace);
    return top.bind("purge", p -> purge(p, pace));
  }

  /** The {@code reconcile:} keys, with the purge rules' defaults. */
  private ReconcileConfig pace(YamlMapping r) {
    Duration tick = r.duration("tick", ReconcileConfig.DEFAULT_TICK);
    if (tick.compareTo(MIN_TICK) < 0) {
      nodes.problem(
          r.path("tick"),
          r.lineOf("tick"),
          "must be at least "
              + Durations.format(MIN_TICK)
              + " (got "
              + Durations.format(tick)
              + ")");
      tick = ReconcileConfig.DEFAULT_TICK;
    }
    Duration window = r.duration("window", ReconcileConfig.DEFAULT_WINDOW);
    if (window.compareTo(tick) < 0) {
      nodes.problem(
          r.path("window"),
          r.lineOf("window"),
          "must be at least reconcile.tick ("
              + Durations.format(tick)
              + "), got "
              + Durations.format(window));
      window = tick;
    }
    Duration checktime = r.duration("vm_checktime", window);
    if (checktime.compareTo(tick) < 0 || checktime.compareTo(window) > 0) {
      nodes.problem(
          r.path("vm_checktime"),
          r.lineOf("vm_checktime"),
          "must be from reconcile.tick ("
              + Durations.format(tick)
              + ") to reconcile.window ("
              + Durations.format(window)
              + "), got "
              + Durations.format(checktime));
      checktime = window;
    }
    return new ReconcileConfig(tick, window, false, ReconcileConfig.DEFAULT_ALLOWLIST, checktime);
  }

  private ReconcileConfig purge(YamlMapping p, ReconcileConfig pace) {
    boolean dryRun = p.bool("dry_run", false);
    List<String> allowlist = p.strings("allowlist", ReconcileConfig.DEFAULT_ALLOWLIST);
    for (int i = 0; i < allowlist.size(); i++) {
      if (allowlist.get(i).isBlank()) {
        String path = nodes.lines().itemOrSelf(p.path("allowlist"), i);
        nodes.problem(
            path,
            nodes.lines().lineOf(path),
            "must be a glob pattern of VM names, e.g. corral-keep-*");
      }
    }
    return new ReconcileConfig(pace.tick(), pace.window(), dryRun, allowlist, pace.vmChecktime());
  }
}
