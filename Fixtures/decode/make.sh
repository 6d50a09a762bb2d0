#!/bin/sh
# Regenerates the `decode` fixtures: one MQTT 3.1.1 exchange (CONNECT, CONNACK, SUBSCRIBE,
# PUBLISH) dumped by the real tools device logs use, and truncated dumps. Run from this folder.
set -eu
printf '\020\014\000\004MQTT\004\002\000\074\000\000\040\002\000\000\202\013\000\001\000\006sensor\001\060\003\000\001a' > session.bin
xxd session.bin > session.xxd
xxd -p session.bin > session.xxd-p
hexdump -C session.bin > session.hexdump-C
od -x session.bin > session.od-x
# Wireshark's "Copy > as Hex Dump" layout (offset, three spaces, bytes, three spaces, ASCII), written
# from the bytes as Wireshark lays them out.
xxd -g1 -c16 session.bin | awk '{ printf "%s   %-47s   %s\n", substr($1, 5, 4), substr($0, 11, 47), substr($0, 60) }' \
    > session.wireshark
# A CONNECT whose dump stops after 3 of its 32 bytes, and the session cut inside the PUBLISH
# (odd length: od pads the last word with a zero byte; its final offset gives the real length).
printf '\020\036\000' | xxd > truncated-connect.xxd
head -c 35 session.bin | od -x > truncated-publish.od-x
rm session.bin
