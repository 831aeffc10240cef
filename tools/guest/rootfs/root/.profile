export PATH=/sbin:/bin:/usr/sbin:/usr/bin
