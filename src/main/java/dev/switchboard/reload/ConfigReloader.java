package dev.switchboard.reload;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

import dev.switchboard.PeriodicTask;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.config.RouteSettingsCheck;
import dev.switchboard.config.UnknownPropertiesCheck;
import dev.switchboard.metrics.SwitchboardMeters;
import dev.switchboard.tunnel.GatewayCloseReason;
import dev.switchboard.tunnel.Tunnel;
import dev.switchboard.tunnel.TunnelRegistry;
import dev.switchboard.tunnel.TunnelSettings;

/**
 * Applies edits of the configuration files to the running gateway: routes, and the global
 * and per-route {@code switchboard.*} settings of tunnels, handshakes and sticky
 * sessions. Every {@code interval} the files are read; a change is first checked as a
 * whole, as startup would check it (YAML, unknown keys, each value, every route's
 * overrides and its predicates and filters); a configuration that fails is rejected with
 * one log line and the configuration in force stays. One that passes replaces the routes
 * through Spring Cloud Gateway's own {@code RefreshRoutesEvent}.
 *
 * Open tunnels keep the settings they started with. Tunnels of a route the new
 * configuration removes follow that route's {@code on-removal} policy. Other changed
 * properties (ports, TLS, the management port, the gateway's global-only settings) need a
 * restart: they are named in a log line, not applied.
 */
public class ConfigReloader implements SmartInitializingSingleton, DisposableBean {

	private static final Log logger = LogFactory.getLog(ConfigReloader.class);

	static final String GATEWAY_PREFIX = "spring.cloud.gateway.server.webflux";

	static final String ROUTES_PREFIX = GATEWAY_PREFIX + ".routes";

	/**
	 * The name of the source Spring Boot attaches to adapt all others; a candidate gets
	 * its own.
	 */
	private static final String ATTACHED = "configurationProperties";

	private final ConfigurableEnvironment environment;

	private final ReloadProperties properties;

	private final GatewayProperties gateway;

	private final RouteSettingsCheck settingsCheck;

	private final RouteCheck routeCheck;

	private final ApplicationEventPublisher publisher;

	private final TunnelRegistry tunnels;

	private final MeterRegistry registry;

	private final AtomicLong lastSuccessMillis = new AtomicLong();

	private volatile boolean failing;

	private ConfigFiles files;

	private String lastSeen;

	private PeriodicTask task;

	ConfigReloader(ConfigurableEnvironment environment, ReloadProperties properties, GatewayProperties gateway,
			RouteSettingsCheck settingsCheck, RouteCheck routeCheck, ApplicationEventPublisher publisher,
			TunnelRegistry tunnels, MeterRegistry registry) {
		this.environment = environment;
		this.properties = properties;
		this.gateway = gateway;
		this.settingsCheck = settingsCheck;
		this.routeCheck = routeCheck;
		this.publisher = publisher;
		this.tunnels = tunnels;
		this.registry = registry;
		Gauge.builder(SwitchboardMeters.CONFIG_RELOAD_FAILING, () -> this.failing ? 1 : 0)
			.description("1 while the newest configuration on disk is rejected (the previous one stays in force)")
			.register(registry);
		TimeGauge
			.builder(SwitchboardMeters.CONFIG_LAST_RELOAD, this.lastSuccessMillis, TimeUnit.MILLISECONDS,
					AtomicLong::get)
			.description("When a new configuration was last applied (epoch; 0: none since start)")
			.register(registry);
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.files = ConfigFiles.of(this.environment, this.properties.getFiles());
		if (this.files.isEmpty()) {
			logger.info("No configuration file to follow (switchboard.reload.files); routes change on restart only");
			return;
		}
		try {
			this.lastSeen = this.files.digest();
		}
		catch (IOException ex) {
			this.lastSeen = "";
		}
		logger.info("Following " + this.files.paths() + " every " + this.properties.getInterval().toMillis()
				+ "ms: route and per-route setting changes apply without a restart");
		this.task = PeriodicTask.start("config-reload", this.properties.getInterval(), this.properties.getInterval(),
				() -> Mono.fromRunnable(this::reloadIfChanged).subscribeOn(Schedulers.boundedElastic()).then(),
				this.registry);
	}

	/** Reloads when the files' content changed since it was last looked at. */
	synchronized void reloadIfChanged() {
		String digest;
		try {
			digest = this.files.digest();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read " + this.files.paths() + ": " + ex.getMessage(), ex);
		}
		if (!digest.equals(this.lastSeen)) {
			this.lastSeen = digest;
			reload();
		}
	}

	/**
	 * Checks the files' configuration as a whole and applies it, or rejects it with one
	 * log line.
	 */
	synchronized boolean reload() {
		Candidate candidate;
		try {
			candidate = prepare();
		}
		catch (RuntimeException | IOException ex) {
			this.failing = true;
			count("failure");
			logger.warn("Rejected the new configuration in " + this.files.paths() + ": " + ex.getMessage()
					+ "; the configuration in force stays");
			return false;
		}
		apply(candidate);
		this.failing = false;
		this.lastSuccessMillis.set(System.currentTimeMillis());
		count("success");
		return true;
	}

	private Candidate prepare() throws IOException {
		Map<Path, List<PropertySource<?>>> fresh = new LinkedHashMap<>();
		for (Path path : this.files.paths()) {
			try {
				fresh.put(path, ConfigFiles.load(path));
			}
			catch (IOException ex) {
				throw new IOException(path + " cannot be read: " + ex.getMessage(), ex);
			}
		}
		StandardEnvironment candidate = new StandardEnvironment();
		MutablePropertySources sources = candidate.getPropertySources();
		new ArrayList<>(sources.stream().map(PropertySource::getName).toList()).forEach(sources::remove);
		for (PropertySource<?> source : this.environment.getPropertySources()) {
			if (!ATTACHED.equals(source.getName())) {
				sources.addLast(source);
			}
		}
		fresh.forEach((file, loaded) -> replace(sources, file, loaded));
		ConfigurationPropertySources.attach(candidate);
		UnknownPropertiesCheck.check(candidate, getClass().getClassLoader());
		GatewayProperties gateway = Binder.get(candidate).bindOrCreate(GATEWAY_PREFIX, GatewayProperties.class);
		Map<RouteSettings<?>, RouteSettings<?>> settings = new LinkedHashMap<>();
		for (RouteSettings<?> feature : this.settingsCheck.features()) {
			settings.put(feature, feature.over(candidate));
		}
		this.settingsCheck.check(gateway.getRoutes(), settings);
		this.routeCheck.check(gateway);
		return new Candidate(fresh, gateway, settings, restartNeeded(fresh));
	}

	/**
	 * Puts a file's fresh property sources where its old ones stood (or, for a file that
	 * had none, before the first configuration file's), and removes the old ones.
	 */
	private static void replace(MutablePropertySources sources, Path file, List<PropertySource<?>> fresh) {
		List<String> names = sources.stream().map(PropertySource::getName).toList();
		List<String> old = names.stream().filter((name) -> file.equals(ConfigFiles.fileOf(name))).toList();
		String anchor;
		if (!old.isEmpty()) {
			int last = names.indexOf(old.get(old.size() - 1));
			anchor = (last + 1 < names.size()) ? names.get(last + 1) : null;
		}
		else {
			anchor = names.stream().filter((name) -> name.startsWith("Config resource")).findFirst().orElse(null);
		}
		old.forEach(sources::remove);
		for (PropertySource<?> source : fresh) {
			if (anchor != null) {
				sources.addBefore(anchor, source);
			}
			else {
				sources.addLast(source);
			}
		}
	}

	private void apply(Candidate candidate) {
		Set<String> before = routeIds(this.gateway.getRoutes());
		MutablePropertySources live = this.environment.getPropertySources();
		candidate.fresh().forEach((file, loaded) -> replace(live, file, loaded));
		this.gateway.setRoutes(candidate.gateway().getRoutes());
		candidate.settings().forEach(ConfigReloader::adopt);
		this.publisher.publishEvent(new RefreshRoutesEvent(this));
		Set<String> after = routeIds(this.gateway.getRoutes());
		Set<String> removed = new TreeSet<>(before);
		removed.removeAll(after);
		Set<String> added = new TreeSet<>(after);
		added.removeAll(before);
		logger.info("Applied the new configuration in " + this.files.paths() + ": " + after.size() + " route(s)"
				+ (added.isEmpty() ? "" : ", added " + added) + (removed.isEmpty() ? "" : ", removed " + removed)
				+ "; open tunnels keep the settings they started with");
		removed.forEach(this::onRouteRemoved);
		if (!candidate.restartNeeded().isEmpty()) {
			logger.warn("Changed in " + this.files.paths() + " but not applied until a restart: "
					+ candidate.restartNeeded());
		}
	}

	@SuppressWarnings("unchecked")
	private static <T> void adopt(RouteSettings<?> live, RouteSettings<?> candidate) {
		((RouteSettings<T>) live).adopt((RouteSettings<T>) candidate);
	}

	/**
	 * The open tunnels of a removed route follow its on-removal policy, as each tunnel
	 * started with it.
	 */
	private void onRouteRemoved(String routeId) {
		Map<Duration, List<Tunnel>> draining = new LinkedHashMap<>();
		int closed = 0;
		List<Tunnel> open = this.tunnels.openOn(routeId);
		for (Tunnel tunnel : open) {
			TunnelSettings settings = tunnel.settings();
			switch (settings.onRemoval()) {
				case KEEP -> {
				}
				case CLOSE -> {
					tunnel.close(GatewayCloseReason.ROUTE_REMOVED);
					closed++;
				}
				case DRAIN ->
					draining.computeIfAbsent(settings.onRemovalWindow(), (window) -> new ArrayList<>()).add(tunnel);
			}
		}
		draining.forEach((window, tunnels) -> TunnelRegistry.closeSpread(tunnels, GatewayCloseReason.ROUTE_REMOVED,
				GatewayCloseReason.ROUTE_REMOVED.code(), GatewayCloseReason.ROUTE_REMOVED.description(), window));
		int drained = draining.values().stream().mapToInt(List::size).sum();
		if (!open.isEmpty()) {
			logger.info("Route " + routeId + " removed: of its " + open.size() + " open tunnel(s), " + closed
					+ " closed, " + drained + " draining, " + (open.size() - closed - drained) + " kept");
		}
	}

	/** The changed properties of the followed files that only a restart applies. */
	private List<String> restartNeeded(Map<Path, List<PropertySource<?>>> fresh) {
		Map<String, Object> before = values(this.environment.getPropertySources()
			.stream()
			.filter((source) -> fresh.containsKey(ConfigFiles.fileOf(source.getName())))
			.toList());
		Map<String, Object> after = values(fresh.values().stream().flatMap(List::stream).toList());
		Set<String> keys = new TreeSet<>(before.keySet());
		keys.addAll(after.keySet());
		List<String> changed = new ArrayList<>();
		for (String key : keys) {
			if (!Objects.equals(String.valueOf(before.get(key)), String.valueOf(after.get(key))) && !reloadable(key)) {
				changed.add(key);
			}
		}
		return changed;
	}

	private boolean reloadable(String key) {
		if (key.startsWith(ROUTES_PREFIX)) {
			return true;
		}
		return this.settingsCheck.features().stream().anyMatch((feature) -> feature.owns(key));
	}

	private static Map<String, Object> values(List<PropertySource<?>> sources) {
		Map<String, Object> values = new LinkedHashMap<>();
		for (PropertySource<?> source : sources) {
			if (source instanceof EnumerablePropertySource<?> enumerable) {
				for (String name : enumerable.getPropertyNames()) {
					values.putIfAbsent(name, enumerable.getProperty(name));
				}
			}
		}
		return values;
	}

	private static Set<String> routeIds(List<RouteDefinition> routes) {
		Set<String> ids = new LinkedHashSet<>();
		routes.forEach((route) -> ids.add(route.getId()));
		return ids;
	}

	private void count(String result) {
		Counter.builder(SwitchboardMeters.CONFIG_RELOADS)
			.description("New configurations found on disk, by result (success: applied; failure: rejected)")
			.tag(SwitchboardMeters.RESULT, result)
			.register(this.registry)
			.increment();
	}

	@Override
	public void destroy() {
		if (this.task != null) {
			this.task.dispose();
		}
	}

	/** A configuration checked and ready to be applied. */
	private record Candidate(Map<Path, List<PropertySource<?>>> fresh, GatewayProperties gateway,
			Map<RouteSettings<?>, RouteSettings<?>> settings, List<String> restartNeeded) {
	}

}
