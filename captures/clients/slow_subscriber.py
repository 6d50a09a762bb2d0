"""A slow consumer, for the zero-window capture (captures/mqtt-slow-subscriber.pcap): an MQTT 3.1.1
subscriber with a small receive buffer that subscribes to slow/#, then stops reading while the
publisher (mosquitto_pub, run by captures/regenerate.sh) sends; its kernel advertises a zero window
to the broker (RFC 9293 §3.8.6.2) until it reads again. Then it reads everything and disconnects.

    MQ_HOST=127.0.0.1 MQ_PORT=1883 python3 slow_subscriber.py READY_FILE PAUSE_SECONDS

READY_FILE is created once the SUBACK arrived (the publisher waits for it)."""
import os
import socket
import struct
import sys
import time

from mqtt_wire import packet, utf8


def main():
    ready, pause = sys.argv[1], float(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # before connect: the window scale follows it
    s.connect((os.environ.get("MQ_HOST", "127.0.0.1"), int(os.environ.get("MQ_PORT", "1883"))))
    connect = utf8("MQTT") + bytes([4, 0x02]) + struct.pack(">H", 60) + utf8("slow-subscriber")
    s.sendall(packet(0x10, connect))
    s.recv(4)  # CONNACK
    s.sendall(packet(0x82, struct.pack(">H", 1) + utf8("slow/#") + b"\x00"))
    s.recv(5)  # SUBACK
    open(ready, "w").close()
    time.sleep(pause)  # not reading: the receive buffer fills and the window closes
    s.settimeout(2.0)
    try:
        while s.recv(65536):
            pass
    except socket.timeout:
        pass
    s.sendall(b"\xe0\x00")  # DISCONNECT
    s.close()


if __name__ == "__main__":
    main()
