package dev.switchboard.support;

import java.util.concurrent.CountDownLatch;

/**
 * A {@link TestBackend} as a process of its own, for tests that kill backends:
 * {@code name port}. Prints {@code BACKEND READY <port>} once it listens.
 */
public final class BackendMain {

	private BackendMain() {
	}

	public static void main(String[] args) throws InterruptedException {
		TestBackend backend = new TestBackend(args[0], Integer.parseInt(args[1]));
		// @checkstyle:off: the parent process reads this line
		System.out.println("BACKEND READY " + backend.port());
		// @checkstyle:on
		new CountDownLatch(1).await();
	}

}
