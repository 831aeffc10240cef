package dev.corral.workflows.model;

import java.time.Duration;

/**
 * A VM of a {@code reuse: same_owner} pool was released by its owner: clean it (unless {@code
 * cleaned}) and hold it for the owner's next lease for {@code keepFor}, then destroy it unless
 * leased again.
 *
 * @param uses how many leases the VM has served, the released one included; tells releases apart
 */
public record VmReuse(int uses, Duration keepFor, boolean cleaned) {}
