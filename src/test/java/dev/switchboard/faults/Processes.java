package dev.switchboard.faults;

import java.util.List;

/**
 * Processes this JVM started by other means (embedded Redis), found and killed as an
 * operator would.
 */
final class Processes {

	private Processes() {
	}

	/**
	 * SIGKILLs the child process of this JVM whose command contains {@code command} and
	 * whose command line mentions {@code port} (the only such child when none mentions
	 * it).
	 */
	static void killChild(String command, int port) throws InterruptedException {
		List<ProcessHandle> candidates = ProcessHandle.current()
			.descendants()
			.filter((process) -> process.info().command().map((c) -> c.contains(command)).orElse(false))
			.toList();
		List<ProcessHandle> onPort = candidates.stream()
			.filter((
					process) -> process.info().commandLine().map((c) -> c.contains(String.valueOf(port))).orElse(false))
			.toList();
		List<ProcessHandle> targets = !onPort.isEmpty() ? onPort : candidates;
		if (targets.size() != 1) {
			throw new IllegalStateException("expected one " + command + " process on port " + port + ", found "
					+ targets.stream().map((p) -> p.info().commandLine().orElse("?")).toList());
		}
		ProcessHandle target = targets.get(0);
		target.destroyForcibly();
		target.onExit().join();
	}

}
