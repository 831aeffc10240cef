package dev.corral.workflows.model;

/**
 * Where a pending lease stands after a fill (or fail) pass.
 *
 * @param state the lease's state now: {@code pending}, {@code active} when filled, {@code failed},
 *     or whatever ended it meanwhile ({@code cancelled}, {@code released}, {@code expired})
 * @param outstanding VMs still missing (0 unless pending or failed)
 * @param reason why it failed, or null
 */
public record LeaseFill(String leaseId, String state, int outstanding, String reason) {
  public static final String PENDING = "pending";

  public boolean pending() {
    return PENDING.equals(state);
  }
}
