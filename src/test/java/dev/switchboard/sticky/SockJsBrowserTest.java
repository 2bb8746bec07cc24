package dev.switchboard.sticky;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import redis.embedded.RedisServer;

import dev.switchboard.support.HeadlessChromium;
import dev.switchboard.support.NodeApps;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real SockJS (the sockjs Node server, three of them, and the sockjs-client in a real
 * headless Chromium) through a sticky route, forced onto HTTP long-polling: the SockJS
 * session lives on one server, so every poll and send must reach it. The browser keeps
 * the gateway's session cookie, set on the page's own response, so nothing needs to be
 * learned. A control route without stickiness shows the session breaking.
 */
class SockJsBrowserTest {

	static NodeApps node;

	static RedisServer redis;

	static StickyGateway gateway;

	static ChromeDriver browser;

	@BeforeAll
	static void start() throws Exception {
		node = new NodeApps("sockjs", List.of("package.json", "server.js", "page.html"), "sockjs-client");
		browser = HeadlessChromium.start();
		int[] ports = node.startServers("server.js", 3);
		redis = StickyGateway.startRedis();
		List<String> args = StickyGateway.baseArgs(redis.ports().get(0));
		args.addAll(StickyGateway.instances("sockjs", ports));
		String route = "--spring.cloud.gateway.server.webflux.routes";
		args.addAll(List.of(route + "[0].id=sockjs", route + "[0].uri=lb://sockjs",
				route + "[0].predicates[0]=Path=/sockjs/**", route + "[0].metadata.switchboard.sticky.enabled=true"));
		args.addAll(List.of(route + "[1].id=unsticky", route + "[1].uri=lb://sockjs",
				route + "[1].predicates[0]=Path=/unsticky/**", route + "[1].filters[0]=StripPrefix=1"));
		gateway = new StickyGateway(args);
	}

	@AfterAll
	static void stop() {
		StickyGateway.closeAll((browser != null) ? browser::quit : null, node, gateway,
				(redis != null) ? redis::stop : null);
	}

	@Test
	void longPollingSessionsKeepTheirServer() {
		for (int session = 0; session < 3; session++) {
			browser.manage().deleteAllCookies();
			String result = open("/sockjs/page.html");
			assertThat(result).as("session " + session).startsWith("done ").endsWith(" transport=xhr-polling");
			String names = result.substring(result.indexOf("names=") + 6, result.indexOf(" transport="));
			assertThat(Arrays.stream(names.split(",")).distinct()).as(result).hasSize(1);
			assertThat(names.split(",")).hasSize(6);
		}
	}

	@Test
	void withoutStickinessLongPollingBreaks() {
		boolean failed = false;
		for (int i = 0; i < 3 && !failed; i++) {
			browser.manage().deleteAllCookies();
			failed = open("/unsticky/sockjs/page.html").startsWith("failed ");
		}
		assertThat(failed).as("a polling SockJS session over three servers without stickiness should break").isTrue();
	}

	/** Loads the page and returns "STATUS LOG" once the page has finished. */
	private static String open(String path) {
		browser.get("http://127.0.0.1:" + gateway.port + path);
		new WebDriverWait(browser, Duration.ofSeconds(30))
			.withMessage(() -> "page never finished: " + browser.findElement(By.id("status")).getText() + " "
					+ browser.findElement(By.id("log")).getText())
			.until((driver) -> !"loading".equals(driver.findElement(By.id("status")).getText()));
		return browser.findElement(By.id("status")).getText() + " " + browser.findElement(By.id("log")).getText();
	}

}
