package dev.switchboard.bench;

import com.sun.tools.attach.VirtualMachine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small helpers for run.sh. */
final class Tools {

	private Tools() {
	}

	/**
	 * free-ports N [--from P]: prints N TCP ports free on 127.0.0.1, scanning upwards
	 * from P (default 21000).
	 */
	static void freePorts(String[] args) {
		Opts o = new Opts(args);
		int n = o.positional.isEmpty() ? 1 : Integer.parseInt(o.positional.get(0));
		int port = o.integer("from", 21000);
		StringBuilder sb = new StringBuilder();
		while (n > 0 && port < 32000) {
			try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
				sb.append(port).append(' ');
				n--;
			}
			catch (IOException e) {
				// taken
			}
			port++;
		}
		System.out.println(sb.toString().trim());
	}

	/**
	 * jvm-mem --pid PID --agent AGENT_JAR: loads the tiny attach agent into the JVM PID,
	 * which writes Netty's own direct-memory counter, the default allocator's direct
	 * memory and the JDK's direct buffer pool to a file; prints them as key=value.
	 */
	static void jvmMem(String[] args) throws Exception {
		Opts o = new Opts(args);
		try {
			System.out.println(readJvm(o.str("pid", null), o.str("agent", null)));
		}
		catch (Exception e) {
			System.out.println("error=" + e.toString().replaceAll("\\s+", "_"));
			System.exit(1);
		}
	}

	/** What the attach agent reads in the JVM PID, as "key=value key=value". */
	static String readJvm(String pid, String agent) throws Exception {
		Path out = Files.createTempFile("jvm-mem", ".txt");
		try {
			VirtualMachine vm = VirtualMachine.attach(pid);
			try {
				vm.loadAgent(agent, out.toString());
			}
			finally {
				vm.detach();
			}
			return Files.readString(out).trim();
		}
		finally {
			Files.deleteIfExists(out);
		}
	}

	/**
	 * Heap bytes the live threads of the JVM PID allocated so far (the agent's
	 * heap_allocated).
	 */
	static long heapAllocated(String pid, String agent) throws Exception {
		for (String pair : readJvm(pid, agent).split(" ")) {
			if (pair.startsWith("heap_allocated=")) {
				return Long.parseLong(pair.substring("heap_allocated=".length()));
			}
		}
		return -1;
	}

}
