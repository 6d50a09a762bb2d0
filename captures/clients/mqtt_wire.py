"""MQTT's wire building blocks for the committed Python peers (the load generator, the faulty test
broker): a Variable Byte Integer (written and read), a length-prefixed UTF-8 string and a packet from its first byte
and body (MQTT 3.1.1 §1.5.3, §2.2.3; 5.0 §1.5.4, §1.5.5, §2.1)."""
import struct


def vbi(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_vbi(data, i):
    """The Variable Byte Integer at data[i] and the index after it."""
    n, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def utf8(text):
    b = text.encode()
    return struct.pack(">H", len(b)) + b


def packet(first, body):
    return bytes([first]) + vbi(len(body)) + body
