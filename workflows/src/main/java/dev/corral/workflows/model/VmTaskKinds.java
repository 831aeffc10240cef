package dev.corral.workflows.model;

import java.util.List;

/** What a VM task does; the same words are stored in {@code vm_task.kind} and shown by the API. */
public final class VmTaskKinds {
  /** Takes a snapshot whose id is the task's id. */
  public static final String SNAPSHOT = "snapshot";

  /** Reverts the VM to the snapshot named by the task's argument. */
  public static final String REVERT = "revert";

  /** Adds a disk (id: the task's id) of the size in GB the task's argument gives. */
  public static final String DISK = "disk";

  public static final List<String> ALL = List.of(SNAPSHOT, REVERT, DISK);

  private VmTaskKinds() {}
}
