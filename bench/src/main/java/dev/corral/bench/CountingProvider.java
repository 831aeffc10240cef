package dev.corral.bench;

import dev.corral.activities.provider.ProviderFeatures;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.workflows.model.VmShape;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A provider that counts the calls made to the one it wraps, by kind, and logs when each was made
 * (epoch ms), so that calls can be put down to the reconcile pass that made them. Everything else
 * is passed on unchanged.
 */
final class CountingProvider implements VmProvider {
  /** The kinds of call counted; everything else (templates, tasks) is OTHER. */
  enum Kind {
    GET,
    PROBE,
    LIST,
    DESTROY,
    CLONE,
    OTHER
  }

  private final VmProvider delegate;
  private final AtomicLongArray counts = new AtomicLongArray(Kind.values().length);
  private final Object logLock = new Object();
  private long[] logAt = new long[1 << 16];
  private byte[] logKind = new byte[1 << 16];
  private int logged;

  CountingProvider(VmProvider delegate) {
    this.delegate = delegate;
  }

  /** Calls of each kind so far, indexed by {@link Kind#ordinal()}. */
  long[] counts() {
    long[] out = new long[counts.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = counts.get(i);
    }
    return out;
  }

  /**
   * Calls of each kind made from {@code fromMs} (inclusive) to {@code toMs} (exclusive), epoch
   * milliseconds.
   */
  long[] countsBetween(long fromMs, long toMs) {
    long[] out = new long[Kind.values().length];
    synchronized (logLock) {
      for (int i = 0; i < logged; i++) {
        if (logAt[i] >= fromMs && logAt[i] < toMs) {
          out[logKind[i]]++;
        }
      }
    }
    return out;
  }

  /** When the last call was made (epoch ms), 0 before any. */
  long lastCallAt() {
    synchronized (logLock) {
      return logged == 0 ? 0 : logAt[logged - 1];
    }
  }

  static long total(long[] counts) {
    return Arrays.stream(counts).sum();
  }

  /** "834 get, 834 probe, 1 list, 20 destroy" (kinds with no call left out). */
  static String describe(long[] counts) {
    StringBuilder s = new StringBuilder();
    for (Kind k : Kind.values()) {
      if (counts[k.ordinal()] > 0) {
        s.append(s.length() == 0 ? "" : ", ")
            .append(counts[k.ordinal()])
            .append(' ')
            .append(k.name().toLowerCase());
      }
    }
    return s.length() == 0 ? "none" : s.toString();
  }

  private void count(Kind kind) {
    counts.incrementAndGet(kind.ordinal());
    long now = System.currentTimeMillis();
    synchronized (logLock) {
      if (logged == logAt.length) {
        logAt = Arrays.copyOf(logAt, logged * 2);
        logKind = Arrays.copyOf(logKind, logged * 2);
      }
      logAt[logged] = now;
      logKind[logged] = (byte) kind.ordinal();
      logged++;
    }
  }

  @Override
  public String name() {
    return delegate.name();
  }

  /**
   * The wrapped provider's own: without it a wrapped provider would claim every task (a docker
   * provider snapshots nothing). A constant, not a call to the provider: not counted.
   */
  @Override
  public ProviderFeatures features() {
    return delegate.features();
  }

  @Override
  public ProviderVm cloneVm(String vmName, String template) {
    count(Kind.CLONE);
    return delegate.cloneVm(vmName, template);
  }

  @Override
  public ProviderVm cloneVm(String vmName, String template, VmShape shape) {
    count(Kind.CLONE);
    return delegate.cloneVm(vmName, template, shape);
  }

  @Override
  public Readiness checkReady(String vmName) {
    count(Kind.PROBE);
    return delegate.checkReady(vmName);
  }

  @Override
  public Optional<ProviderVm> get(String vmName) {
    count(Kind.GET);
    return delegate.get(vmName);
  }

  @Override
  public List<ProviderVm> inventory() {
    count(Kind.LIST);
    return delegate.inventory();
  }

  @Override
  public void destroy(String vmName) {
    count(Kind.DESTROY);
    delegate.destroy(vmName);
  }

  @Override
  public void cleanForReuse(String vmName) {
    count(Kind.OTHER);
    delegate.cleanForReuse(vmName);
  }

  @Override
  public List<ProviderTemplate> templates() {
    count(Kind.OTHER);
    return delegate.templates();
  }

  @Override
  public ProviderVm deploy(String vmName, String template) {
    count(Kind.OTHER);
    return delegate.deploy(vmName, template);
  }

  @Override
  public Optional<String> guestVersion(String vmName) {
    count(Kind.OTHER);
    return delegate.guestVersion(vmName);
  }

  @Override
  public void configure(String vmName, Map<String, String> settings) {
    count(Kind.OTHER);
    delegate.configure(vmName, settings);
  }

  @Override
  public void seal(String vmName) {
    count(Kind.OTHER);
    delegate.seal(vmName);
  }

  @Override
  public void powerOff(String vmName, Duration graceful) {
    count(Kind.OTHER);
    delegate.powerOff(vmName, graceful);
  }

  @Override
  public ProviderTemplate createTemplate(String vmName, String templateName) {
    count(Kind.OTHER);
    return delegate.createTemplate(vmName, templateName);
  }

  @Override
  public void deleteTemplate(String templateName) {
    count(Kind.OTHER);
    delegate.deleteTemplate(templateName);
  }

  @Override
  public void snapshot(String vmName, String snapshotId) {
    count(Kind.OTHER);
    delegate.snapshot(vmName, snapshotId);
  }

  @Override
  public void revertSnapshot(String vmName, String snapshotId) {
    count(Kind.OTHER);
    delegate.revertSnapshot(vmName, snapshotId);
  }

  @Override
  public void addDisk(String vmName, String diskId, int sizeGb) {
    count(Kind.OTHER);
    delegate.addDisk(vmName, diskId, sizeGb);
  }

  /**
   * Passed on uncounted: the counts are of VM calls (ReconcileBench's figures), and the simulated
   * provider has no folders.
   */
  @Override
  public List<String> unusedFolders(Set<String> pools) {
    return delegate.unusedFolders(pools);
  }

  @Override
  public void removeUnusedFolder(String folder) {
    count(Kind.OTHER);
    delegate.removeUnusedFolder(folder);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
