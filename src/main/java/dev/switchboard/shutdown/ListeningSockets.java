package dev.switchboard.shutdown;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.netty.DisposableServer;

/**
 * The listening sockets of the gateway's Netty servers, as they were bound, so the
 * shutdown sequence can stop accepting new connections on the public port without closing
 * the connections it already has (which the web server's own graceful shutdown would wait
 * for).
 */
final class ListeningSockets {

	private final List<DisposableServer> servers = new CopyOnWriteArrayList<>();

	void bound(DisposableServer server) {
		this.servers.add(server);
	}

	/** Closes the listening socket bound to {@code port}; open connections stay. */
	void stopAccepting(int port) {
		for (DisposableServer server : this.servers) {
			if (server.port() == port) {
				server.channel().close().syncUninterruptibly();
			}
		}
	}

}
