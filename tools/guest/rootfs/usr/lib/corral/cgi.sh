# Sourced by the agent's CGI scripts (busybox httpd). Replies are text/plain.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

# reply [STATUS]: start the response. busybox httpd honours "Status:" only as the first header.
reply() {
  [ -n "$1" ] && printf 'Status: %s\r\n' "$1"
  printf 'Content-Type: text/plain\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n'
}

# post_only: anything but POST gets 405 and the script ends.
post_only() {
  [ "$REQUEST_METHOD" = POST ] && return 0
  reply '405 Method Not Allowed'
  echo "error: $REQUEST_METHOD not allowed, use POST"
  exit 0
}

# query_param NAME: value of NAME in QUERY_STRING (no URL decoding; values are plain tokens).
query_param() {
  echo "$QUERY_STRING" | tr '&' '\n' | sed -n "s/^$1=//p" | sed -n 1p
}

# write_file PATH: stdin -> PATH atomically (temp file in the same directory, fsync, rename).
write_file() {
  tmp="$1.tmp.$$"
  cat > "$tmp" && sync "$tmp" && mv -f "$tmp" "$1" || { rm -f "$tmp"; return 1; }
}
