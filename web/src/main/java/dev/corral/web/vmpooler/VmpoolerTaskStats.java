package dev.corral.web.vmpooler;

import java.util.LinkedHashMap;
import java.util.Map;

/** Durations of one kind of task (clone or boot) added up, written as vmpooler writes them. */
final class VmpoolerTaskStats {
  private int count;
  private double total;
  private double min;
  private double max;

  void add(int n, double sum, double smallest, double largest) {
    if (n <= 0) {
      return;
    }
    min = count == 0 ? smallest : Math.min(min, smallest);
    max = count == 0 ? largest : Math.max(max, largest);
    count += n;
    total += sum;
  }

  int count() {
    return count;
  }

  /** {@code {"average", "min", "max", "total"}} in seconds, 0 when nothing happened. */
  Map<String, Object> duration() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("average", round(count == 0 ? 0 : total / count));
    out.put("min", round(min));
    out.put("max", round(max));
    out.put("total", round(total));
    return out;
  }

  private static double round(double seconds) {
    return Math.round(seconds * 100) / 100.0;
  }
}
