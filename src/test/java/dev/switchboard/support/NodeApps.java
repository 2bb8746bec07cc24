package dev.switchboard.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real Node.js programs for tests (Socket.IO, SockJS): copies a folder of
 * src/test/resources into target/, installs its package.json from npm once, and starts
 * servers that print "listening PORT". Tests using it are skipped, saying why, where node
 * or npm is missing.
 */
public final class NodeApps implements AutoCloseable {

	private final Path dir;

	private final List<Process> processes = new ArrayList<>();

	/**
	 * @param resources folder under src/test/resources holding package.json and the
	 * scripts
	 * @param files the files to copy
	 * @param installed a module whose presence in node_modules means npm install already
	 * ran
	 */
	public NodeApps(String resources, List<String> files, String installed) throws IOException {
		RequiredTool.require(run(List.of("node", "--version"), Path.of("."), 10) == 0,
				"node is not installed: " + resources + " tests are skipped");
		this.dir = Path.of("target", resources);
		Files.createDirectories(this.dir);
		for (String file : files) {
			Files.copy(Path.of("src", "test", "resources", resources, file), this.dir.resolve(file),
					StandardCopyOption.REPLACE_EXISTING);
		}
		if (!Files.exists(this.dir.resolve("node_modules").resolve(installed))) {
			RequiredTool.require(run(List.of("npm", "install", "--no-audit", "--no-fund"), this.dir, 180) == 0,
					"npm install failed in " + this.dir + " (no npm registry?): " + resources + " tests are skipped");
		}
	}

	public Path dir() {
		return this.dir;
	}

	/**
	 * Starts {@code node script args...} and returns the port it printed as "listening
	 * PORT".
	 */
	public int startServer(String script, String... args) throws Exception {
		List<String> command = new ArrayList<>(List.of("node", script));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).directory(this.dir.toFile()).redirectErrorStream(true).start();
		this.processes.add(process);
		String line = lines(process).poll(20, TimeUnit.SECONDS);
		assertThat(line).as(script + " " + String.join(" ", args) + " started").startsWith("listening ");
		return Integer.parseInt(line.substring("listening ".length()).trim());
	}

	/** Starts {@code count} servers named s0, s1, ... and returns their ports. */
	public int[] startServers(String script, int count) throws Exception {
		int[] ports = new int[count];
		for (int i = 0; i < count; i++) {
			ports[i] = startServer(script, "s" + i);
		}
		return ports;
	}

	/** The output of a process, line by line, as it comes. */
	public static BlockingQueue<String> lines(Process process) {
		BlockingQueue<String> lines = new LinkedBlockingQueue<>();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					lines.add(line);
				}
			}
			catch (IOException ex) {
				// the process ended
			}
		}, "node-output");
		reader.setDaemon(true);
		reader.start();
		return lines;
	}

	private static int run(List<String> command, Path dir, int seconds) {
		try {
			Process process = new ProcessBuilder(command).directory(dir.toFile())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				return -1;
			}
			return process.exitValue();
		}
		catch (IOException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

	@Override
	public void close() throws InterruptedException {
		for (Process process : this.processes) {
			process.destroy();
			process.waitFor(10, TimeUnit.SECONDS);
		}
	}

}
