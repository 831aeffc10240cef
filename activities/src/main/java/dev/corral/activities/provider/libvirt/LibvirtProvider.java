package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.guest.GuestSteps;
import dev.corral.activities.provider.libvirt.Domains.Vm;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.libvirt.Domain;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VMs as domains on one libvirt host. A VM is a persistent domain carrying Corral's metadata, whose
 * disk is a linked clone (a qcow2 volume backed by the template's volume) in the provider's storage
 * pool; domain and volumes are the provider's whole state, so VMs outlive Corral and libvirtd
 * restarts and are adopted on start-up. The guest side is the contract of tools/guest: the instance
 * id through fw_cfg, a READY marker on the console, and an HTTP agent.
 *
 * <p>Every call is idempotent by VM or template name and serialised per VM name, because Temporal
 * may run an activity again while (after a lost worker) its first run is still going.
 *
 * <p>This class holds the pool VM calls and deploy; {@link LibvirtGuests} readiness and the way to
 * a guest's agent, {@link LibvirtChain} the other preparation steps, {@link LibvirtTasks} snapshots
 * and disks, {@link Domains} and {@link Volumes} the host's objects.
 */
public final class LibvirtProvider implements VmProvider {
  private static final Logger log = LoggerFactory.getLogger(LibvirtProvider.class);

  /**
   * The namespace of Corral's element in a domain's {@code <metadata>}: what marks a domain as
   * Corral's, for operators' tools as for Corral.
   */
  public static final String METADATA_NAMESPACE = VmMetadata.NAMESPACE;

  /** How long deploy waits for the guest to come up. */
  static final Duration DEPLOY_BOOT_TIMEOUT = Duration.ofMinutes(10);

  private final String name;
  private final LibvirtSettings settings;
  private final LibvirtConnection connection;
  private final Domains domains;
  private final Volumes volumes;
  private final Clock clock;
  private final LibvirtGuests guests;
  private final LibvirtChain chain;
  private final LibvirtTasks tasks;
  private final Map<String, Object> vmLocks = new ConcurrentHashMap<>();

  LibvirtProvider(String name, LibvirtSettings settings, Clock clock) {
    this.name = name;
    this.settings = settings;
    this.connection = new LibvirtConnection(name, settings);
    this.domains = new Domains(settings.scope() != null ? settings.scope() : name, settings);
    this.volumes = new Volumes(settings.storagePool());
    this.clock = clock;
    this.guests = new LibvirtGuests(name, settings, connection, domains);
    this.chain = new LibvirtChain(this, guests, connection, domains, volumes, clock);
    this.tasks = new LibvirtTasks(this, guests, connection, volumes);
  }

  /**
   * Builds the provider. What can be checked from here is: a problem names its config key. An
   * unreachable host does not stop Corral: the provider shows unreachable until the host answers.
   */
  public static LibvirtProvider create(ProviderConfig config) {
    LibvirtSettings settings = (LibvirtSettings) config.settings();
    String key = "providers." + config.name() + ".";
    if (settings.userNetwork() && !LocalHost.isLocal(settings.uri())) {
      throw new IllegalArgumentException(
          key
              + "network: user-mode networking forwards guest ports to the libvirt host's own"
              + " loopback, which Corral reaches only on a local uri (qemu:///system); set network"
              + " to a libvirt network, or bridge, for "
              + settings.uri());
    }
    if (LocalHost.isLocal(settings.uri())) {
      // On this host the files can be checked now; on another one libvirt reports them at start.
      if (settings.kernel() != null && !Files.isReadable(Path.of(settings.kernel()))) {
        throw new IllegalArgumentException(key + "kernel: cannot read " + settings.kernel());
      }
      if (settings.initrd() != null && !Files.isReadable(Path.of(settings.initrd()))) {
        throw new IllegalArgumentException(key + "initrd: cannot read " + settings.initrd());
      }
    }
    LibvirtProvider provider = new LibvirtProvider(config.name(), settings, Clock.systemUTC());
    Optional<String> poolProblem;
    try {
      poolProblem =
          provider.connection.with("checking the storage pool", provider.volumes::problem);
    } catch (LinkageError noLibrary) {
      throw new IllegalArgumentException(
          key
              + "type: libvirt needs libvirt's client library on this host (Debian: apt-get install"
              + " libvirt0): "
              + noLibrary.getMessage());
    } catch (ProviderException unreachable) {
      log.warn(
          "provider {}: {}; it shows unreachable until the host answers",
          config.name(),
          unreachable.getMessage());
      return provider;
    }
    if (poolProblem.isPresent()) {
      provider.close();
      throw new IllegalArgumentException(key + "storage_pool: " + poolProblem.get());
    }
    return provider;
  }

  @Override
  public String name() {
    return name;
  }

  Object lockOf(String vmName) {
    return vmLocks.computeIfAbsent(vmName, k -> new Object());
  }

  // --- Pool VMs ---

  @Override
  public ProviderVm cloneVm(String vmName, String template) {
    return cloneVm(vmName, template, VmShape.PROVIDER_DEFAULT);
  }

  /**
   * Makes the linked clone, defines the domain with its metadata, and starts it. A running VM of
   * that name is returned as it is (a repeated call, or a VM adopted after a crash); a stopped one
   * is the leftover of an earlier try and is made again. A disk volume left by a crash before the
   * domain was defined is named after the VM, so the retry replaces it and destroy deletes it.
   */
  @Override
  public ProviderVm cloneVm(String vmName, String template, VmShape shape) {
    if (!Domains.validVmName(vmName)) {
      throw ProviderException.permanent(
          ErrorTypes.CLONE_FAILED, "'" + vmName + "' cannot be a domain name");
    }
    synchronized (lockOf(vmName)) {
      return connection.with(
          "clone of " + vmName,
          c -> {
            Optional<Domain> existing = Domains.lookup(c, vmName);
            if (existing.isPresent()) {
              Optional<VmMetadata> ours = domains.metadata(existing.get());
              if (ours.isEmpty()) {
                throw ProviderException.permanent(
                    ErrorTypes.CLONE_FAILED,
                    "a domain called "
                        + vmName
                        + " exists on "
                        + settings.uri()
                        + " and is not Corral's (scope "
                        + domains.scope()
                        + "); it is left alone");
              }
              if (Domains.active(existing.get())) {
                log.debug("clone {}: already running, returning it", vmName);
                return domains.describe(vmName, ours.get(), true);
              }
              log.info("clone {}: removing the leftover of an earlier try", vmName);
              Domains.remove(existing.get());
            }
            StoragePool pool = volumes.pool(c);
            Optional<StorageVol> image = volumes.image(pool, template);
            if (image.isEmpty()) {
              throw ProviderException.permanent(
                  ErrorTypes.TEMPLATE_NOT_FOUND,
                  "provider "
                      + name
                      + " has no template '"
                      + template
                      + "' (looked for volume "
                      + template
                      + Volumes.IMAGE
                      + " in storage pool "
                      + settings.storagePool()
                      + ")");
            }
            Map<String, Integer> ports =
                settings.userNetwork() ? Addresses.freeLoopbackPorts(settings.ports()) : Map.of();
            VmMetadata meta =
                new VmMetadata(
                    domains.scope(), template, clock.instant(), ports, null, null, false, false);
            volumes.delete(pool, Volumes.vmDisk(vmName));
            StorageVol disk =
                pool.storageVolCreateXML(
                    DomainXml.linkedClone(
                        Volumes.vmDisk(vmName),
                        image.get().getInfo().capacity,
                        image.get().getPath()),
                    0);
            Domain domain =
                c.domainDefineXML(
                    DomainXml.of(
                        settings,
                        shape,
                        vmName,
                        disk.getPath(),
                        guests.consoleLog(vmName).toString(),
                        meta));
            try {
              domain.create();
            } catch (org.libvirt.LibvirtException e) {
              String why = LibvirtConnection.message(e);
              // A forwarded port taken since it was picked: the retry picks others.
              if (why.contains("host forwarding") || why.contains("Address already in use")) {
                throw ProviderException.transientFailure("starting " + vmName + " failed: " + why);
              }
              throw ProviderException.permanent(
                  ErrorTypes.CLONE_FAILED, "libvirt did not start " + vmName + ": " + why);
            }
            log.info(
                "clone {}: domain started from {} on {}, ports {}",
                vmName,
                template,
                settings.uri(),
                ports);
            return domains.describe(vmName, meta, true);
          });
    }
  }

  @Override
  public Readiness checkReady(String vmName) {
    return guests.checkReady(vmName);
  }

  @Override
  public Optional<ProviderVm> get(String vmName) {
    return connection.with(
        "lookup of " + vmName,
        c -> {
          Optional<Vm> vm = domains.find(c, vmName);
          return vm.isPresent() ? Optional.of(domains.describe(vm.get())) : Optional.empty();
        });
  }

  @Override
  public List<ProviderVm> inventory() {
    return connection.with("listing domains", domains::inventory);
  }

  /**
   * Stops the domain hard, undefines it and deletes its volumes. A clean ACPI shutdown would buy
   * nothing: the disk is thrown away. A domain of that name that is not Corral's is left alone.
   */
  @Override
  public void destroy(String vmName) {
    if (!Domains.validVmName(vmName)) {
      return;
    }
    synchronized (lockOf(vmName)) {
      connection.with(
          "destroy of " + vmName,
          c -> {
            Optional<Domain> domain = Domains.lookup(c, vmName);
            if (domain.isPresent()) {
              Optional<Vm> ours = domains.find(c, vmName);
              if (ours.isEmpty()) {
                log.warn(
                    "destroy {}: the domain of that name on {} is not Corral's; left alone",
                    vmName,
                    settings.uri());
                return null;
              }
              Domains.remove(ours.get().domain());
            }
            deleteVolumes(c, vmName);
            return null;
          });
      try {
        Files.deleteIfExists(guests.consoleLog(vmName));
      } catch (IOException e) {
        log.debug("destroy {}: console log stays: {}", vmName, e.getMessage());
      }
      log.info("destroy {}: domain and volumes removed", vmName);
    }
    vmLocks.remove(vmName);
  }

  /** The VM's disk and extra disks; the names say whose they are even when the domain is gone. */
  void deleteVolumes(org.libvirt.Connect c, String vmName) throws org.libvirt.LibvirtException {
    StoragePool pool = volumes.pool(c);
    String extraPrefix = Volumes.VM_PREFIX + vmName + ".disk-";
    for (String volume : volumes.volumeNames(pool)) {
      if (volume.startsWith(extraPrefix)) {
        volumes.delete(pool, volume);
      }
    }
    volumes.delete(pool, Volumes.vmDisk(vmName));
  }

  @Override
  public void cleanForReuse(String vmName) {
    GuestSteps.cleanForReuse(
        vmName, timeout -> guests.agentOf(vmName, ErrorTypes.CLEANUP_FAILED, timeout));
  }

  // --- Template preparation ---

  @Override
  public List<ProviderTemplate> templates() {
    return connection.with("listing templates", volumes::templates);
  }

  /** Clones and boots the build VM, and returns once the guest is up. */
  @Override
  public ProviderVm deploy(String vmName, String template) {
    cloneVm(vmName, template);
    GuestSteps.awaitReady(
        vmName, DEPLOY_BOOT_TIMEOUT, () -> checkReady(vmName), () -> guests.consoleTail(vmName));
    chain.recordGuestVersion(vmName);
    return get(vmName).orElseThrow(() -> guests.notFound(vmName));
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

  @Override
  public void close() {
    connection.close();
  }
}
