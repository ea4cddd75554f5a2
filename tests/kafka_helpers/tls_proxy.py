#!/usr/bin/env python3
"""A TLS terminator in front of a plaintext broker, for scripts/e2e-secure.sh.

tansu 0.6.0 cannot serve TLS itself (its `--cert` and `--key` flags are a
mutually exclusive clap group, so a broker cannot be given both), so the
test does what many production set-ups do: TLS ends in a proxy and the
broker advertises the proxy's address. Clients (kord, librdkafka) see a
TLS listener with a certificate signed by the test's CA.

usage: tls_proxy.py LISTEN_PORT TARGET_HOST:TARGET_PORT CERT KEY
Prints "ready" on stdout once listening; runs until killed.
"""

import asyncio
import ssl
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    listen_port = int(sys.argv[1])
    host, port = sys.argv[2].rsplit(":", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, ssl=ctx)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
