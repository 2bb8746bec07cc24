package dev.switchboard.sticky;

import java.util.concurrent.TimeUnit;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;

/**
 * Lends Lettuce the gateway's own HTTP event loops instead of a thread pool of its own: Redis replies
 * are then read on the loops that serve the handshakes, and a command issued on the loop that owns the
 * Redis connection is written without waking another thread. The loops belong to the web server, so
 * Lettuce never shuts them down.
 */
final class SharedEventLoops implements EventLoopGroupProvider {

	private final EventLoopGroup loops;

	SharedEventLoops(EventLoopGroup loops) {
		this.loops = loops;
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T extends EventLoopGroup> T allocate(Class<T> type) {
		return (T) this.loops;
	}

	@Override
	public int threadPoolSize() {
		return 0;
	}

	@Override
	public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
		return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
	}

	@Override
	public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
		return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
	}

}
