# Runs the command in its arguments (mariadbd) and stops it with SIGTERM (a clean shutdown) as soon as
# Corral's JVM is gone, however it went: standard input is a pipe from the JVM, and the kernel closes the
# JVM's end when the JVM exits, kill -9 included. Corral also stops the server this way, by closing the pipe.
# The shell exits with the server's status once the server is gone.

# An asynchronous command's standard input is /dev/null in a shell without job control, so the watcher
# reads the pipe through descriptor 3; the server gets neither.
exec 3<&0
"$@" </dev/null 3<&- &
server=$!
( cat <&3 >/dev/null; kill -TERM "$server" 2>/dev/null ) &
watcher=$!
exec 3<&- </dev/null
trap 'kill -TERM "$server" 2>/dev/null' TERM INT HUP
status=0
# wait returns early when a trapped signal arrives; the server is only gone once kill -0 fails.
while kill -0 "$server" 2>/dev/null; do
  wait "$server"
  status=$?
done
kill "$watcher" 2>/dev/null
exit "$status"
