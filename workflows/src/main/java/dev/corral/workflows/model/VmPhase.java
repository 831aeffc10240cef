package dev.corral.workflows.model;

/** Where a VM workflow starts: a new VM is provisioned; a VM found mid-destroy after a restart is destroyed. */
public enum VmPhase {
  PROVISION,
  DESTROY
}
