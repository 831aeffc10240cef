// The vCenter simulator the vSphere provider is tested against: govmomi's simulator package (Debian
// golang-github-vmware-govmomi-dev, 0.24) serving the vCenter 6.5 API on a loopback port. build.sh builds it
// offline; tests start it and read VCSIM_URL= from its stdout.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	listen := flag.String("l", "127.0.0.1:0", "listen address (port 0 = free port)")
	useTLS := flag.Bool("tls", true, "serve https with a generated self-signed cert (false = plain http)")
	caOut := flag.String("cafile", "", "write server certificate (PEM) to this file")
	dc := flag.Int("dc", 1, "datacenters")
	cluster := flag.Int("cluster", 1, "clusters per DC")
	ch := flag.Int("ch", 3, "hosts per cluster")
	host := flag.Int("host", 1, "standalone hosts per DC")
	vm := flag.Int("vm", 2, "VMs per resource pool / host")
	folder := flag.Int("folder", 0, "folders per DC")
	ds := flag.Int("ds", 1, "datastores")
	idle := flag.Duration("idle", 0, "session idle timeout (0 = never)")
	user := flag.String("user", "user", "username")
	pass := flag.String("pass", "pass", "password")
	delays := flag.String("method-delay", "", "per-method SOAP delay in ms, e.g. CloneVM_Task=1500,PowerOnVM_Task=300")
	trace := flag.Bool("trace", false, "trace SOAP to stderr")
	boot := flag.Duration("boot", 0, "a powered-on VM's guest 'boots' after this long: Tools run and report -guest-ip (0 = guests never boot, as in plain vcsim)")
	guestIP := flag.String("guest-ip", "127.0.0.1", "the address booted guests report through Tools")
	hostStats := flag.String("host-stats", "", "host quick stats, NAME=CPU_MHZ:MEM_MB or NAME=none (no quick stats), comma separated")
	hostIssue := flag.String("host-issue", "", "names of hosts that report a config issue, comma separated")
	flag.Parse()

	start := time.Now()
	m := simulator.VPX()
	m.Datacenter, m.Cluster, m.ClusterHost, m.Host = *dc, *cluster, *ch, *host
	m.Machine, m.Folder, m.Datastore = *vm, *folder, *ds
	for _, kv := range strings.Split(*delays, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if m.DelayConfig.MethodDelay == nil {
				m.DelayConfig.MethodDelay = map[string]int{}
			}
			m.DelayConfig.MethodDelay[k], _ = strconv.Atoi(v)
		}
	}
	simulator.SessionIdleTimeout = *idle
	simulator.Trace = *trace
	if err := m.Create(); err != nil {
		log.Fatal(err)
	}
	if err := setHosts(*hostStats, *hostIssue); err != nil {
		log.Fatal(err)
	}
	if *boot > 0 {
		go bootGuests(*boot, *guestIP)
	}
	m.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
	if *useTLS {
		// Built-in httptest cert is RSA-1024: OpenSSL 3 (curl) rejects it; Java 17 accepts it.
		// Generate a fresh ECDSA P-256 self-signed cert (SAN 127.0.0.1, ::1, localhost) instead.
		m.Service.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned()}}
	}
	s := m.Service.NewServer()
	if *useTLS && *caOut != "" {
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
		if err := os.WriteFile(*caOut, pemBytes, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("VCSIM_URL=%s\n", s.URL.String()) // e.g. https://user:pass@127.0.0.1:PORT/sdk
	fmt.Fprintf(os.Stderr, "vcsim ready in %v (pid %d)\n", time.Since(start), os.Getpid())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	s.Close()
	m.Remove()
}

// setHosts gives named hosts their quick stats (all hosts share one set in vcsim) or a config issue, so that
// tests can check which host a clone is placed on.
func setHosts(stats, issues string) error {
	hosts := map[string]*simulator.HostSystem{}
	for _, e := range simulator.Map.All("HostSystem") {
		h := e.(*simulator.HostSystem)
		hosts[h.Name] = h
	}
	for _, kv := range strings.Split(stats, ",") {
		name, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		h := hosts[name]
		if h == nil {
			return fmt.Errorf("-host-stats: no host %q", name)
		}
		if v == "none" {
			h.Summary.QuickStats = types.HostListSummaryQuickStats{}
			continue
		}
		cpu, mem, _ := strings.Cut(v, ":")
		c, err1 := strconv.Atoi(cpu)
		mb, err2 := strconv.Atoi(mem)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("-host-stats: %q is not CPU_MHZ:MEM_MB", v)
		}
		h.Summary.QuickStats.OverallCpuUsage, h.Summary.QuickStats.OverallMemoryUsage = int32(c), int32(mb)
	}
	for _, name := range strings.Split(issues, ",") {
		if name == "" {
			continue
		}
		h := hosts[name]
		if h == nil {
			return fmt.Errorf("-host-issue: no host %q", name)
		}
		h.ConfigIssue = append(h.ConfigIssue, &types.Event{FullFormattedMessage: "simulated config issue on " + name})
	}
	return nil
}

// bootGuests plays the guests vcsim does not run: once a VM has been powered on for `after`, VMware Tools
// "run" in it and report its address and host name; a powered-off VM's Tools stop.
func bootGuests(after time.Duration, ip string) {
	poweredOn := map[types.ManagedObjectReference]time.Time{}
	tick := after / 4
	if tick < 10*time.Millisecond {
		tick = 10 * time.Millisecond
	}
	for now := range time.Tick(tick) {
		for _, e := range simulator.Map.All("VirtualMachine") {
			vm := e.(*simulator.VirtualMachine)
			simulator.Map.WithLock(vm, func() {
				if vm.Guest == nil || vm.Config == nil || vm.Config.Template {
					return
				}
				running := vm.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
				if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
					delete(poweredOn, vm.Self)
					if running {
						setGuest(vm, types.VirtualMachineToolsRunningStatusGuestToolsNotRunning, types.VirtualMachineToolsStatusToolsNotRunning, "", "")
					}
					return
				}
				since, seen := poweredOn[vm.Self]
				if !seen {
					poweredOn[vm.Self] = now
					return
				}
				if !running && now.Sub(since) >= after {
					setGuest(vm, types.VirtualMachineToolsRunningStatusGuestToolsRunning, types.VirtualMachineToolsStatusToolsOk, ip, vm.Name)
				}
			})
		}
	}
}

func setGuest(vm *simulator.VirtualMachine, running types.VirtualMachineToolsRunningStatus, status types.VirtualMachineToolsStatus, ip, hostName string) {
	vm.Guest.ToolsRunningStatus = string(running)
	vm.Guest.ToolsStatus = status
	vm.Guest.IpAddress = ip
	vm.Guest.HostName = hostName
	if vm.Summary.Guest != nil {
		vm.Summary.Guest.ToolsRunningStatus = string(running)
		vm.Summary.Guest.ToolsStatus = status
		vm.Summary.Guest.IpAddress = ip
		vm.Summary.Guest.HostName = hostName
	}
}

func selfSigned() tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "vcsim"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
