package dev.corral.activities.provider.vsphere;

// Over 400 lines: the VmProvider methods of a pool VM (clone, readiness, listing, destroy) and the
// delegations to the chain and task helpers, which together are the provider's one public face.

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.guest.GuestSteps;
import dev.corral.activities.provider.vsphere.HostChoice.Host;
import dev.corral.activities.provider.vsphere.Places.Target;
import dev.corral.activities.provider.vsphere.Vms.Vm;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimFault;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VMs cloned from templates on a vCenter. Each pool's VMs live in a folder of their own (made when
 * missing), and a VM is Corral's by the instance UUID its clone was given (see {@link Vms}), so VMs
 * outlive Corral and are adopted on start-up. Readiness is VMware Tools reporting an address, and
 * with {@code readiness: agent} also Corral's guest agent answering there; the preparation steps
 * inside the guest go through that agent (the guest contract of tools/guest).
 *
 * <p>Every call is idempotent by VM or template name and serialised per VM name, because Temporal
 * may run an activity again while (after a lost worker) its first run is still going.
 *
 * <p>This class holds the pool VM calls; {@link VsphereChain} the preparation steps, {@link
 * VsphereTasks} snapshots and disks, {@link Places} where things live, {@link HostChoice} the host
 * of a clone, {@link Templates} the templates and {@link Sessions} the vCenter sessions.
 */
public final class VsphereProvider implements VmProvider {
  private static final Logger log = LoggerFactory.getLogger(VsphereProvider.class);

  /** vSphere allows 80 characters; Corral's names are far shorter. */
  private static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,79}");

  static final Duration POLL = Duration.ofMillis(250);

  private final String name;
  private final VsphereSettings settings;
  private final Sessions sessions;
  private final Places places;
  private final Vms vms;
  private final Templates templates;
  private final VsphereGuests guests;
  private final VsphereChain chain;
  private final VsphereTasks tasks;
  private final Clock clock;
  private final Map<String, Object> vmLocks = new ConcurrentHashMap<>();

  VsphereProvider(String name, VsphereSettings settings, int sessionCount, Clock clock) {
    this.name = name;
    this.settings = settings;
    this.sessions = new Sessions(name, settings, sessionCount);
    this.places = new Places(name, settings);
    this.vms = new Vms(settings.folder(), settings.ports());
    this.templates = new Templates(settings, places);
    this.clock = clock;
    this.guests = new VsphereGuests(this, settings, sessions, vms);
    this.chain = new VsphereChain(this, guests, sessions, places, vms, templates, clock);
    this.tasks = new VsphereTasks(this, guests, sessions, vms);
  }

  /**
   * Builds the provider. A vCenter that cannot be reached does not stop Corral: the provider shows
   * unreachable until it answers. One that answers but refuses the login, or lacks the configured
   * datacenter or cluster, stops start-up naming the key.
   */
  public static VsphereProvider create(ProviderConfig config) {
    VsphereSettings settings = (VsphereSettings) config.settings();
    String key = "providers." + config.name() + ".";
    VsphereProvider provider =
        new VsphereProvider(
            config.name(),
            settings,
            Sessions.size(settings, config.maxConcurrentClones(), config.maxConcurrentBuilds()),
            Clock.systemUTC());
    Optional<String> problem;
    try {
      problem = provider.sessions.unmapped(provider::startupProblem);
    } catch (IOException unreachable) {
      log.warn(
          "provider {}: vCenter at {} unreachable ({}); it shows unreachable until it answers",
          config.name(),
          settings.url(),
          unreachable.getMessage());
      return provider;
    } catch (VimFault f) {
      provider.close();
      if (f.is(VimFault.INVALID_LOGIN)) {
        throw new IllegalArgumentException(
            key
                + "user: vCenter at "
                + settings.url()
                + " refused the login of "
                + settings.user()
                + " with the password from "
                + settings.password().source());
      }
      throw new IllegalArgumentException(key + "url: vCenter answered " + f.getMessage());
    }
    if (problem.isPresent()) {
      provider.close();
      throw new IllegalArgumentException(key + problem.get());
    }
    return provider;
  }

  /** A configured datacenter or cluster vCenter does not have, as "key: why". */
  private Optional<String> startupProblem(VimSession s) throws IOException {
    s.login();
    List<String> dcs = new ArrayList<>();
    if (settings.datacenter() != null) {
      dcs.add(settings.datacenter());
    }
    settings.pools().values().stream()
        .map(VsphereSettings.PoolPlacement::datacenter)
        .filter(dc -> dc != null)
        .forEach(dcs::add);
    for (String dc : dcs) {
      if (places.find(s, dc).isEmpty()) {
        return Optional.of("datacenter: vCenter has no datacenter '" + dc + "'");
      }
    }
    if (settings.cluster() != null) {
      String dc = places.datacenter(s, null);
      if (places.find(s, dc + "/host/" + settings.cluster()).isEmpty()) {
        return Optional.of(
            "cluster: datacenter " + dc + " has no cluster '" + settings.cluster() + "'");
      }
    }
    return Optional.empty();
  }

  @Override
  public String name() {
    return name;
  }

  Object lockOf(String vmName) {
    return vmLocks.computeIfAbsent(vmName, k -> new Object());
  }

  Duration taskTimeout() {
    return Duration.ofSeconds(settings.taskTimeoutSeconds());
  }

  ProviderException notFound(String vmName) {
    return ProviderException.permanent(
        ErrorTypes.VM_NOT_FOUND, "provider " + name + " has no VM " + vmName);
  }

  // --- Pool VMs ---

  @Override
  public ProviderVm cloneVm(String vmName, String template) {
    return cloneVm(vmName, template, VmShape.PROVIDER_DEFAULT);
  }

  /**
   * Clones the template into the pool's folder, on the least used healthy host, and powers the VM
   * on. A VM of that name that is Corral's is returned as it is (a repeated call, or a VM adopted
   * after a crash), powered on if the earlier try stopped before that.
   */
  @Override
  public ProviderVm cloneVm(String vmName, String template, VmShape shape) {
    if (vmName == null || !VM_NAME.matcher(vmName).matches()) {
      throw ProviderException.permanent(
          ErrorTypes.CLONE_FAILED, "'" + vmName + "' cannot be a vSphere VM name");
    }
    synchronized (lockOf(vmName)) {
      return sessions.task(
          "clone of " + vmName,
          s -> {
            try {
              return clone(s, vmName, template, VmShape.orDefault(shape));
            } catch (VimFault f) {
              if (f.is(VimFault.MANAGED_OBJECT_NOT_FOUND)) {
                // A folder or template removed since it was found: find them again next time.
                places.forgetAll();
              }
              throw f;
            }
          });
    }
  }

  private ProviderVm clone(VimSession s, String vmName, String template, VmShape shape)
      throws IOException {
    Optional<Vm> existing = vms.find(s, vmName);
    if (existing.isPresent()) {
      log.debug("clone {}: exists already, returning it", vmName);
      return vms.describe(powerOn(s, existing.get()));
    }
    Target target = places.target(s, shape.pool());
    ManagedObject source =
        templates
            .find(s, target.datacenter(), template)
            .orElseThrow(
                () ->
                    ProviderException.permanent(
                        ErrorTypes.TEMPLATE_NOT_FOUND,
                        "provider "
                            + name
                            + " has no template '"
                            + template
                            + "' (looked for "
                            + templates.path(target.datacenter(), template)
                            + ")"));
    Optional<ManagedObject> snapshot =
        target.linked()
            ? Optional.of(templates.baseSnapshot(s, source, target.resourcePool(), taskTimeout()))
            : Optional.empty();
    Optional<Host> host = HostChoice.of(s, target.cluster());
    Optional<String> networkChange =
        target.network() == null
            ? Optional.empty()
            : NetworkCards.moveFirstCard(s, source, target.network(), target.networkName());
    Map<String, String> corral = new LinkedHashMap<>();
    corral.put(Vms.TEMPLATE_KEY, template);
    corral.put(Vms.CREATED_KEY, clock.instant().toString());
    if (shape.pool() != null) {
      corral.put(Vms.POOL_KEY, shape.pool());
    }
    String spec =
        CloneSpecs.clone(
            target,
            host.map(Host::host),
            snapshot,
            networkChange,
            vms.instanceUuid(vmName),
            shape,
            corral);
    try {
      s.runTask(
          "CloneVM_Task",
          source,
          target.folder().xml("folder") + VimXml.element("name", vmName) + spec,
          taskTimeout());
    } catch (VimFault f) {
      if (!f.is(VimFault.DUPLICATE_NAME)) {
        throw ProviderException.permanent(
            ErrorTypes.CLONE_FAILED, "vCenter did not clone " + vmName + ": " + f.getMessage());
      }
      if (vms.find(s, vmName).isEmpty()) {
        throw ProviderException.permanent(
            ErrorTypes.CLONE_FAILED,
            "a VM called "
                + vmName
                + " exists in "
                + target.folderPath()
                + " and is not Corral's; it is left alone");
      }
    }
    Vm made =
        vms.find(s, vmName)
            .orElseThrow(
                () ->
                    ProviderException.transientFailure(
                        "vCenter finished the clone of " + vmName + " but cannot find it"));
    log.info(
        "clone {}: {} clone of {} in {}/{} on host {}",
        vmName,
        target.linked() ? "linked" : "full",
        template,
        target.datacenter(),
        target.folderPath(),
        host.map(Host::name).orElse("(chosen by vCenter)"));
    return vms.describe(powerOn(s, made));
  }

  /** Powers the VM on unless it runs; returns it as it is then. */
  Vm powerOn(VimSession s, Vm vm) throws IOException {
    if (vm.poweredOn()) {
      return vm;
    }
    if (vm.template()) {
      throw ProviderException.permanent(
          ErrorTypes.CLONE_FAILED, vm.name() + " is a template, not a VM");
    }
    try {
      s.runTask("PowerOnVM_Task", vm.ref(), "", taskTimeout());
    } catch (VimFault f) {
      if (!"InvalidPowerState".equals(f.type())) {
        throw ProviderException.permanent(
            ErrorTypes.CLONE_FAILED,
            "vCenter did not power on " + vm.name() + ": " + f.getMessage());
      }
    }
    return vms.read(s, vm.ref()).orElseThrow(() -> notFound(vm.name()));
  }

  @Override
  public Readiness checkReady(String vmName) {
    return guests.checkReady(vmName);
  }

  @Override
  public Optional<ProviderVm> get(String vmName) {
    if (vmName == null || !VM_NAME.matcher(vmName).matches()) {
      return Optional.empty();
    }
    return sessions.read("lookup of " + vmName, s -> vms.find(s, vmName).map(vms::describe));
  }

  /**
   * The VMs in the base folder (build VMs), directly in its subfolders (the pools' folders), and in
   * the pools' own folders; never a template, never a folder.
   */
  @Override
  public List<ProviderVm> inventory() {
    return sessions.read(
        "listing VMs",
        s -> {
          Map<ManagedObject, Vm> found = new LinkedHashMap<>();
          for (String dc : places.datacenters(s)) {
            for (String folderPath : places.baseFolders(s, dc)) {
              Optional<ManagedObject> folder = places.find(s, dc + "/vm/" + folderPath);
              if (folder.isEmpty()) {
                continue;
              }
              List<Vm> listed;
              try {
                listed = vms.list(s, folder.get(), folderPath.equals(settings.folder()));
              } catch (VimFault f) {
                if (!f.is(VimFault.MANAGED_OBJECT_NOT_FOUND)) {
                  throw f;
                }
                places.forget(dc + "/vm/" + folderPath);
                continue;
              }
              listed.forEach(vm -> found.put(vm.ref(), vm));
            }
          }
          vms.rememberListed(List.copyOf(found.values()));
          return found.values().stream().map(vms::describe).toList();
        });
  }

  /**
   * Powers the VM off hard and deletes it with its disks: a clean shutdown would buy nothing, the
   * disks are thrown away. A template of that name is never touched.
   */
  @Override
  public void destroy(String vmName) {
    if (vmName == null || !VM_NAME.matcher(vmName).matches()) {
      return;
    }
    synchronized (lockOf(vmName)) {
      sessions.task(
          "destroy of " + vmName,
          s -> {
            Optional<Vm> vm = vms.find(s, vmName);
            if (vm.isEmpty()) {
              return null;
            }
            if (vm.get().template()) {
              log.warn("destroy {}: it is a template; left alone", vmName);
              return null;
            }
            remove(s, vm.get());
            return null;
          });
      vms.forget(vmName);
      log.info("destroy {}: VM and disks removed", vmName);
    }
    vmLocks.remove(vmName);
  }

  /** Powers off (if on) and deletes a VM; one already gone is fine. */
  void remove(VimSession s, Vm vm) throws IOException {
    try {
      if (vm.poweredOn()) {
        try {
          s.runTask("PowerOffVM_Task", vm.ref(), "", taskTimeout());
        } catch (VimFault f) {
          if (!"InvalidPowerState".equals(f.type())) {
            throw f;
          }
        }
      }
      s.runTask("Destroy_Task", vm.ref(), "", taskTimeout());
    } catch (VimFault f) {
      if (!f.is(VimFault.MANAGED_OBJECT_NOT_FOUND)) {
        throw f;
      }
    }
  }

  /**
   * The base folder's subfolders that hold nothing and are no configured pool's (by name, or as a
   * pool's own folder): one property read per datacenter.
   */
  @Override
  public List<String> unusedFolders(java.util.Set<String> pools) {
    if (!settings.purgeEmptyFolders()) {
      return List.of();
    }
    return sessions.read(
        "listing folders",
        s -> {
          List<String> unused = new ArrayList<>();
          for (String dc : places.datacenters(s)) {
            Optional<ManagedObject> base = places.find(s, dc + "/vm/" + settings.folder());
            if (base.isEmpty()) {
              continue;
            }
            for (Folders.Folder f : Folders.subfolders(s, base.get())) {
              String path = settings.folder() + "/" + f.name();
              boolean ownFolder =
                  settings.pools().values().stream().anyMatch(p -> path.equals(p.folder()));
              if (f.empty() && !pools.contains(f.name()) && !ownFolder) {
                unused.add(dc + "/vm/" + path);
              }
            }
          }
          return unused;
        });
  }

  @Override
  public void removeUnusedFolder(String folder) {
    sessions.task(
        "removing folder " + folder,
        s -> {
          places.forget(folder);
          Optional<ManagedObject> found = places.find(s, folder);
          if (found.isPresent() && Places.children(s, found.get()).isEmpty()) {
            try {
              s.runTask("Destroy_Task", found.get(), "", taskTimeout());
            } catch (VimFault f) {
              if (!f.is(VimFault.MANAGED_OBJECT_NOT_FOUND)) {
                throw f;
              }
            }
          }
          places.forget(folder);
          return null;
        });
  }

  @Override
  public void cleanForReuse(String vmName) {
    GuestSteps.cleanForReuse(
        vmName, timeout -> guests.agentOf(vmName, ErrorTypes.CLEANUP_FAILED, timeout));
  }

  // --- Template preparation ---

  @Override
  public List<ProviderTemplate> templates() {
    return sessions.read("listing templates", s -> templates.list(s, places.datacenter(s, null)));
  }

  @Override
  public ProviderVm deploy(String vmName, String template) {
    return chain.deploy(vmName, template);
  }

  @Override
  public Optional<String> guestVersion(String vmName) {
    return chain.guestVersion(vmName);
  }

  @Override
  public void configure(String vmName, Map<String, String> configuration) {
    GuestSteps.configure(
        vmName, timeout -> guests.agentOf(vmName, ErrorTypes.VM_NOT_FOUND, timeout), configuration);
  }

  @Override
  public void seal(String vmName) {
    chain.seal(vmName);
  }

  @Override
  public void powerOff(String vmName, Duration graceful) {
    chain.powerOff(vmName, graceful);
  }

  @Override
  public ProviderTemplate createTemplate(String vmName, String templateName) {
    return chain.createTemplate(vmName, templateName);
  }

  @Override
  public void deleteTemplate(String templateName) {
    chain.deleteTemplate(templateName);
  }

  // --- VM tasks ---

  @Override
  public void snapshot(String vmName, String snapshotId) {
    tasks.snapshot(vmName, snapshotId);
  }

  @Override
  public void revertSnapshot(String vmName, String snapshotId) {
    tasks.revertSnapshot(vmName, snapshotId);
  }

  @Override
  public void addDisk(String vmName, String diskId, int sizeGb) {
    tasks.addDisk(vmName, diskId, sizeGb);
  }

  /** How often the provider's sessions logged in (tests of expired sessions). */
  int logins() {
    return sessions.logins();
  }

  @Override
  public void close() {
    sessions.close();
  }

  static boolean validName(String vmName) {
    return vmName != null && VM_NAME.matcher(vmName).matches();
  }
}
