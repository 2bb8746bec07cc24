package dev.switchboard.support;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * A main class of the test class path run in a JVM of its own, so a test can do to it
 * what happens to processes in production: {@link #kill()} is SIGKILL,
 * {@link #terminate()} is SIGTERM. Its output goes to a file under target/ and line by
 * line to {@link #awaitLine}.
 */
public final class ChildJvm implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ChildJvm.class);

	private final String name;

	private final Process process;

	private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

	private ChildJvm(String name, Process process) {
		this.name = name;
		this.process = process;
		Thread reader = new Thread(this::readOutput, "child-jvm-" + name);
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Starts {@code mainClass} with {@code args}.
	 * @param name for logs and the output file target/child-jvms/{name}.log
	 */
	public static ChildJvm start(String name, Class<?> mainClass, List<String> jvmArgs, List<String> args)
			throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx256m");
		command.add("-XX:TieredStopAtLevel=1");
		command.addAll(jvmArgs);
		command.add("-cp");
		command.add(classPath());
		command.add(mainClass.getName());
		command.addAll(args);
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		return new ChildJvm(name, process);
	}

	/**
	 * The test class path: surefire passes it in a property, its own class path being a
	 * launcher jar.
	 */
	private static String classPath() {
		String surefire = System.getProperty("surefire.test.class.path");
		return (surefire != null) ? surefire : System.getProperty("java.class.path");
	}

	private void readOutput() {
		File log = Path.of("target", "child-jvms", this.name + ".log").toFile();
		log.getParentFile().mkdirs();
		try (BufferedReader in = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8));
				PrintWriter out = new PrintWriter(log, StandardCharsets.UTF_8)) {
			String line;
			while ((line = in.readLine()) != null) {
				out.println(line);
				out.flush();
				this.lines.add(line);
			}
		}
		catch (IOException ex) {
			logger.debug("Output of " + this.name + " ended: " + ex);
		}
	}

	/** The first line containing {@code marker} the process prints from now on. */
	public String awaitLine(String marker, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			String line = this.lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			if (line != null && line.contains(marker)) {
				return line;
			}
			if (line == null && !this.process.isAlive()) {
				break;
			}
		}
		throw new AssertionError(this.name + " printed no line containing '" + marker + "' within " + timeout
				+ " (see target/child-jvms/" + this.name + ".log)");
	}

	public long pid() {
		return this.process.pid();
	}

	/** SIGKILL: the process ends at once, closing nothing. */
	public void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(10, TimeUnit.SECONDS);
	}

	/**
	 * SIGTERM: the JVM runs its shutdown hooks (Spring's graceful shutdown). Sent through
	 * the process handle: {@code Process.destroy()} would also close the pipe its output
	 * arrives on, losing everything it logs while it shuts down.
	 */
	public void terminate() {
		this.process.toHandle().destroy();
	}

	/** Waits for the process to end; returns whether it did within {@code timeout}. */
	public boolean awaitExit(Duration timeout) throws InterruptedException {
		return this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	public boolean isAlive() {
		return this.process.isAlive();
	}

	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			this.process.destroyForcibly();
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
	}

}
