#!/usr/bin/env python3
"""Host-side helper for the Corral guest scripts: the QMP and pidfile bits bash cannot do.

  qemuctl.py port SOCK [GUEST_PORT=80]   host port of the hostfwd rule to GUEST_PORT ("info usernet")
  qemuctl.py powerdown SOCK              QMP system_powerdown; prints the epoch ms QEMU accepted it
  qemuctl.py quit SOCK                   QMP quit
  qemuctl.py alive PIDFILE               exit 0 if a live QEMU holds the pidfile's lock, else 1
  qemuctl.py wait-exit PIDFILE TIMEOUT   wait until QEMU has exited; prints the epoch ms it saw the
                                         exit (10 ms polls); exit 1 on timeout
  qemuctl.py stats PIDFILE...            "<cpu-seconds> <rss-KiB>" summed over the live QEMUs

QEMU holds an fcntl write lock on its -pidfile for its whole life and drops it when it exits,
so the lock (not kill -0, which sees zombies and reused PIDs) says whether it still runs.
One QMP socket takes one client at a time: every command here connects, runs, disconnects.
"""
import fcntl
import json
import os
import re
import socket
import sys
import time


def qmp(sock_path, command, arguments=None, timeout=10.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        f = s.makefile('rwb', buffering=0)

        def read():
            while True:
                line = f.readline()
                if not line:
                    raise EOFError('QMP connection closed')
                msg = json.loads(line)
                if 'event' not in msg:      # events may arrive between replies
                    return msg

        if 'QMP' not in read():
            raise RuntimeError('no QMP greeting')
        f.write(b'{"execute":"qmp_capabilities"}\n')
        read()
        msg = {'execute': command}
        if arguments:
            msg['arguments'] = arguments
        f.write(json.dumps(msg).encode() + b'\n')
        try:
            reply = read()
        except (EOFError, ConnectionResetError):
            if command == 'quit':           # QEMU may close before answering
                return None
            raise
        if 'error' in reply:
            raise RuntimeError('%s: %s' % (command, reply['error'].get('desc')))
        return reply.get('return')
    finally:
        s.close()


def alive(pidfile):
    try:
        fd = os.open(pidfile, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False                        # we got the lock: nobody holds it
    except OSError:
        return True
    finally:
        os.close(fd)                        # also drops our lock


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ''
    if cmd == 'port':
        guest_port = argv[3] if len(argv) > 3 else '80'
        out = qmp(argv[2], 'human-monitor-command', {'command-line': 'info usernet'})
        # TCP[HOST_FORWARD]  13   127.0.0.1 38313   10.0.2.15    80  ...
        m = re.search(r'HOST_FORWARD\]\s+\d+\s+\S+\s+(\d+)\s+\S+\s+%s\b' % guest_port, out)
        if not m:
            sys.exit('no hostfwd rule for guest port %s in:\n%s' % (guest_port, out))
        print(m.group(1))
    elif cmd == 'powerdown':
        qmp(argv[2], 'system_powerdown')
        print(int(time.time() * 1000))
    elif cmd == 'quit':
        qmp(argv[2], 'quit')
    elif cmd == 'alive':
        sys.exit(0 if alive(argv[2]) else 1)
    elif cmd == 'wait-exit':
        t0 = time.monotonic()
        deadline = t0 + float(argv[3])
        while alive(argv[2]):
            if time.monotonic() > deadline:
                sys.exit(1)
            time.sleep(0.01)
        print(int(time.time() * 1000))
    elif cmd == 'stats':
        tick = os.sysconf('SC_CLK_TCK')
        cpu, rss = 0.0, 0
        for pidfile in argv[2:]:
            if not alive(pidfile):
                continue
            pid = open(pidfile).read().strip()
            stat = open('/proc/%s/stat' % pid).read()
            fields = stat[stat.rindex(')') + 2:].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick      # utime + stime
            for line in open('/proc/%s/status' % pid):
                if line.startswith('VmRSS:'):
                    rss += int(line.split()[1])
        print('%.2f %d' % (cpu, rss))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    try:
        main(sys.argv)
    except (OSError, EOFError, RuntimeError) as e:
        sys.exit('qemuctl.py %s: %s' % (' '.join(sys.argv[1:2]), e))
