package dev.switchboard.bench.agent;

import java.lang.instrument.Instrumentation;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Attach agent (loaded into the gateway JVM by "jvm-mem"): finds Netty's classes among
 * the loaded ones (whatever class loader loaded them, e.g. Spring Boot's) and writes
 * netty_direct (PlatformDependent.usedDirectMemory(): all direct memory Netty allocated
 * itself, -1 if Netty does not count it), alloc_direct / alloc_heap
 * (ByteBufAllocator.DEFAULT's metric, includes pooled-but-free memory) and nio_direct
 * (the JDK "direct" buffer pool) and heap_allocated (bytes allocated on the heap so far
 * by the threads alive now: a JVM's event loops live as long as it does, so the
 * difference of two readings is what a load in between allocated) to the file named by
 * the agent argument. Reads only; changes nothing. Must stay free of Netty and other
 * dependencies.
 */
public final class DirectMemoryAgent {

	private DirectMemoryAgent() {
	}

	public static void agentmain(String args, Instrumentation inst) throws Exception {
		long nettyDirect = -1;
		long allocDirect = -1;
		long allocHeap = -1;
		for (Class<?> c : inst.getAllLoadedClasses()) {
			try {
				if (c.getName().equals("io.netty.util.internal.PlatformDependent")) {
					Method m = c.getMethod("usedDirectMemory");
					nettyDirect = Math.max(nettyDirect, ((Number) m.invoke(null)).longValue());
				}
				else if (c.getName().equals("io.netty.buffer.ByteBufAllocator")) {
					Object alloc = c.getField("DEFAULT").get(null);
					ClassLoader cl = c.getClassLoader();
					Class<?> provider = Class.forName("io.netty.buffer.ByteBufAllocatorMetricProvider", false, cl);
					if (provider.isInstance(alloc)) {
						Object metric = provider.getMethod("metric").invoke(alloc);
						Class<?> metricType = Class.forName("io.netty.buffer.ByteBufAllocatorMetric", false, cl);
						allocDirect = Math.max(allocDirect,
								((Number) metricType.getMethod("usedDirectMemory").invoke(metric)).longValue());
						allocHeap = Math.max(allocHeap,
								((Number) metricType.getMethod("usedHeapMemory").invoke(metric)).longValue());
					}
				}
			}
			catch (Throwable t) {
				// not the class we can read; keep -1
			}
		}
		long nioDirect = -1;
		for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
			if ("direct".equals(pool.getName())) {
				nioDirect = pool.getMemoryUsed();
			}
		}
		String out = "netty_direct=" + nettyDirect + " alloc_direct=" + allocDirect + " alloc_heap=" + allocHeap
				+ " nio_direct=" + nioDirect + " heap_allocated=" + heapAllocated() + "\n";
		Files.writeString(Path.of(args), out);
	}

	private static long heapAllocated() {
		if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
				|| !threads.isThreadAllocatedMemorySupported()) {
			return -1;
		}
		long sum = 0;
		for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
			sum += Math.max(0, bytes);
		}
		return sum;
	}

}
