package dev.corral.activities.store;

/** Fewer ready VMs of a build than a claim asked for; nothing was leased. */
public final class BuildShortException extends RuntimeException {
  private final int requested;
  private final int ready;

  public BuildShortException(int requested, int ready) {
    super(ready + " ready VM(s) of the build, " + requested + " requested");
    this.requested = requested;
    this.ready = ready;
  }

  public int requested() {
    return requested;
  }

  public int ready() {
    return ready;
  }
}
