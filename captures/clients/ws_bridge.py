#!/usr/bin/env python3
"""A WebSocket listener (the `websockets` library) that relays each connection's messages to
a TCP broker and back — the role of a broker's WebSocket transport, for brokers built here
without one (Debian's mosquitto lacks libwebsockets; Debian's ActiveMQ lacks activemq-http).

  ws_bridge.py LISTEN_PORT BROKER_PORT SUBPROTOCOL[,SUBPROTOCOL...] [text]

Messages to the client are binary frames (MQTT 5 §6.0), or text frames with `text` (STOMP).
With MQ_WS_CERTFILE and MQ_WS_KEYFILE set, the listener speaks TLS (wss://) with that
certificate (captures/tls/regenerate.sh).
"""
import asyncio
import os
import ssl
import sys

import websockets


async def relay(ws, broker_port, text):
    reader, writer = await asyncio.open_connection("127.0.0.1", broker_port)

    async def up():
        try:
            async for message in ws:
                writer.write(message.encode() if isinstance(message, str) else message)
                await writer.drain()
        finally:
            writer.close()

    async def down():
        while True:
            data = await reader.read(65536)
            if not data:
                break
            await ws.send(data.decode("utf-8", "replace") if text else data)
        await ws.close()

    await asyncio.gather(up(), down(), return_exceptions=True)


async def main():
    port, broker_port = int(sys.argv[1]), int(sys.argv[2])
    protocols = sys.argv[3].split(",")
    text = len(sys.argv) > 4 and sys.argv[4] == "text"
    tls = None
    if os.environ.get("MQ_WS_CERTFILE"):
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.environ["MQ_WS_CERTFILE"], os.environ["MQ_WS_KEYFILE"])
    async with websockets.serve(lambda ws: relay(ws, broker_port, text), "127.0.0.1", port,
                                subprotocols=protocols, compression=None, max_size=None, ssl=tls):
        print("bridge ready", flush=True)
        await asyncio.Future()


asyncio.run(main())
