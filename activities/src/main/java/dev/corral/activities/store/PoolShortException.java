package dev.corral.activities.store;

/** A lease asked for more VMs of a pool than were ready; nothing was leased. */
public final class PoolShortException extends RuntimeException {
  private final String pool;
  private final int requested;
  private final int ready;

  public PoolShortException(String pool, int requested, int ready) {
    super("pool " + pool + " has " + ready + " ready VM(s), " + requested + " requested");
    this.pool = pool;
    this.requested = requested;
    this.ready = ready;
  }

  public String pool() {
    return pool;
  }

  public int requested() {
    return requested;
  }

  public int ready() {
    return ready;
  }
}
