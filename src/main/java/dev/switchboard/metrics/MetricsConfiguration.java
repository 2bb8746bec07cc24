package dev.switchboard.metrics;

import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.switchboard.tunnel.TunnelRegistry;
import dev.switchboard.upgrade.WebSocketTunnelFilter;

/** Meters for handshakes and tunnels, and the access log. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AccessLogProperties.class)
class MetricsConfiguration {

	@Bean
	TunnelMetrics switchboardTunnelMetrics(MeterRegistry registry, TunnelRegistry tunnels) {
		TunnelMetrics metrics = new TunnelMetrics(registry);
		tunnels.addListener(metrics);
		return metrics;
	}

	@Bean
	WebSocketTunnelFilter.TrafficRecorders switchboardTrafficRecorders(TunnelMetrics metrics) {
		return metrics::traffic;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "switchboard.access-log.enabled", matchIfMissing = true)
	static class AccessLogConfiguration {

		@Bean
		AccessLog switchboardAccessLog(TunnelRegistry tunnels, AccessLogProperties properties) {
			if (properties.getFormat() == AccessLogProperties.Format.JSON) {
				useJson();
			}
			AccessLog accessLog = new AccessLog();
			tunnels.addListener(accessLog);
			return accessLog;
		}

		@Bean
		AccessLogWebFilter switchboardAccessLogWebFilter() {
			return new AccessLogWebFilter();
		}

		/**
		 * Gives the access logger its own console appender with Spring Boot's ECS
		 * structured encoder, so access lines are JSON documents while the application's
		 * own logs keep their format.
		 */
		private static void useJson() {
			LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
			StructuredLogEncoder encoder = new StructuredLogEncoder();
			encoder.setContext(context);
			encoder.setFormat("ecs");
			encoder.setCharset(StandardCharsets.UTF_8);
			encoder.start();
			ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
			appender.setContext(context);
			appender.setName("switchboard-access-json");
			appender.setEncoder(encoder);
			appender.start();
			ch.qos.logback.classic.Logger logger = context.getLogger(AccessLog.LOGGER);
			logger.detachAppender("switchboard-access-json");
			logger.addAppender(appender);
			logger.setAdditive(false);
		}

	}

}
