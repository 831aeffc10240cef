package dev.corral.activities.provider;

import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.workflows.ErrorTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * The rule of every provider whose clones are linked to their template's image: a template cannot
 * be deleted while a VM that is not already broken still runs from it, since its image is that VM's
 * backing store.
 */
public final class TemplateInUse {
  private TemplateInUse() {}

  /**
   * Throws a permanent StepFailed naming the VMs of {@code inventory} that run from {@code
   * template}; returns when there are none.
   */
  public static void refuseWhileUsed(String template, List<ProviderVm> inventory) {
    List<String> users = new ArrayList<>();
    for (ProviderVm vm : inventory) {
      if (template.equals(vm.template()) && vm.powerState() != PowerState.BROKEN) {
        users.add(vm.name());
      }
    }
    if (!users.isEmpty()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED,
          "template "
              + template
              + " is the backing store of VMs "
              + users
              + "; destroy them first");
    }
  }
}
