package dev.corral.workflows.model;

/**
 * Where a VM workflow starts: a new VM is provisioned; a VM found mid-destroy after a restart is
 * destroyed; a VM that exists (leased, or held for its owner's reuse) and lost its workflow waits
 * for the signal that started it.
 */
public enum VmPhase {
  PROVISION,
  DESTROY,
  HOLD
}
