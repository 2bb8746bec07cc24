package dev.switchboard.support;

import reactor.netty.resources.LoopResources;

/**
 * Event loops for test backends and clients, apart from Reactor Netty's global ones: a
 * gateway context that closes disposes the global loops, and must not take the test's own
 * servers with it.
 */
public final class TestLoops {

	public static final LoopResources LOOPS = LoopResources.create("switchboard-test", 2, true);

	private TestLoops() {
	}

}
