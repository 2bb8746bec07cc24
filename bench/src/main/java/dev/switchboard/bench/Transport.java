package dev.switchboard.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Chooses the native epoll transport when available (Linux), NIO otherwise or with
 * -Dbench.nio=true.
 */
final class Transport {

	static final boolean EPOLL = !Boolean.getBoolean("bench.nio") && Epoll.isAvailable();

	private Transport() {
	}

	static EventLoopGroup group(int threads) {
		return new MultiThreadIoEventLoopGroup(threads,
				EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
	}

	static Class<? extends SocketChannel> clientChannel() {
		return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
	}

	static Class<? extends ServerSocketChannel> serverChannel() {
		return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
	}

	static String name() {
		return EPOLL ? "epoll" : "nio";
	}

}
