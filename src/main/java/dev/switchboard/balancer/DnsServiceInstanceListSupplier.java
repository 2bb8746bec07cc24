package dev.switchboard.balancer;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.NoopDnsCache;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

import dev.switchboard.PeriodicTask;

/**
 * The instances of a backend group from the A records of one DNS name, re-resolved every
 * {@code refresh-interval}: in Kubernetes, a headless Service, whose name resolves to the
 * addresses of its ready pods. Resolution is Netty's non-blocking resolver on a thread of
 * its own, with no cache, so the JVM's DNS cache never delays a change. A failed
 * resolution keeps the last list (passive health takes care of instances that are gone).
 */
class DnsServiceInstanceListSupplier implements ServiceInstanceListSupplier, DisposableBean {

	private static final Log logger = LogFactory.getLog(DnsServiceInstanceListSupplier.class);

	private final String serviceId;

	private final String host;

	private final int port;

	private final boolean secure;

	private final EventLoopGroup loop;

	private final DnsNameResolver resolver;

	/** The latest list, replayed to every new subscriber. */
	private final Sinks.Many<List<ServiceInstance>> instances = Sinks.many().replay().latest();

	private final PeriodicTask refreshing;

	/**
	 * Resolves {@code target} now and every {@code refreshInterval}.
	 * @param target {@code host:port}, or {@code https://host:port} for instances that
	 * speak TLS
	 */
	DnsServiceInstanceListSupplier(String serviceId, String target, Duration refreshInterval, MeterRegistry registry) {
		URI uri = URI.create(target.contains("://") ? target : "http://" + target);
		if (uri.getHost() == null || uri.getPort() < 0) {
			throw new IllegalStateException("switchboard.discovery.dns.services." + serviceId
					+ " must be host:port (e.g. chat-headless.default.svc.cluster.local:8080), was '" + target + "'");
		}
		this.serviceId = serviceId;
		this.host = uri.getHost();
		this.port = uri.getPort();
		this.secure = "https".equalsIgnoreCase(uri.getScheme());
		this.loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
		this.resolver = new DnsNameResolverBuilder(this.loop.next()).datagramChannelType(NioDatagramChannel.class)
			.resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
			.resolveCache(NoopDnsCache.INSTANCE)
			.build();
		// A failed or slow resolution keeps the last list and never stops the refreshing.
		this.refreshing = PeriodicTask.start("dns-" + serviceId, Duration.ZERO, refreshInterval,
				() -> resolve().doOnNext(this.instances::tryEmitNext), registry);
	}

	@Override
	public String getServiceId() {
		return this.serviceId;
	}

	@Override
	public Flux<List<ServiceInstance>> get() {
		return this.instances.asFlux().distinctUntilChanged();
	}

	private Mono<List<ServiceInstance>> resolve() {
		return Mono.<List<InetAddress>>create((sink) -> this.resolver.resolveAll(this.host).addListener((future) -> {
			if (future.isSuccess()) {
				@SuppressWarnings("unchecked")
				List<InetAddress> addresses = (List<InetAddress>) future.getNow();
				sink.success(addresses);
			}
			else {
				sink.error(future.cause());
			}
		})).map(this::toInstances);
	}

	private List<ServiceInstance> toInstances(List<InetAddress> addresses) {
		List<ServiceInstance> list = new ArrayList<>(addresses.size());
		for (InetAddress address : addresses) {
			String ip = address.getHostAddress();
			list.add(new DefaultServiceInstance(this.serviceId + "-" + ip + "-" + this.port, this.serviceId, ip,
					this.port, this.secure));
		}
		list.sort(Comparator.comparing(ServiceInstance::getHost));
		return List.copyOf(list);
	}

	@Override
	public void destroy() {
		this.refreshing.dispose();
		this.resolver.close();
		this.loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
	}

}
