package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Durable and scalable on Kafka: a SIGKILL in the middle of a stream loses nothing and applies nothing
 * twice; two instances in one consumer group share the sessions, and either answers for any of them.
 */
@ExtendWith(KafkaBrokerExtension.class)
class DurabilityIT {
  private static final int TURNS = 6;
  private static final int SESSIONS = 12;
  private static final int THREADS = 4;
  /** Long timeouts: the sessions' clocks run on while the service is down, and nothing may time out. */
  private static final Map<String, String> PATIENT = Map.of("THINKING_TIMEOUT", "10m", "CANCEL_ACK_TIMEOUT", "10m");

  @Test
  void aSigkillMidStreamLosesNothingAndAppliesNothingTwice(TestKafka kafka) throws Exception {
    Map<String, String> env = Harness.env(kafka, PATIENT);
    int port = ChildService.freePort();
    long start = System.currentTimeMillis() - 120_000;
    Instant secretExpiry = Instant.now().plusSeconds(3600);
    List<Conversation> reference = conversations("ref", start, secretExpiry);
    List<Conversation> crashed = conversations("crash", start, secretExpiry);
    String[] base = {null};
    ChildService[] child = {ChildService.start(env, port, ChildService.logFile("durability-first.log"))};
    base[0] = child[0].base;
    try {
      // the uninterrupted run
      play(reference, () -> base[0], n -> { });
      awaitFinished(base[0], reference);

      // the same conversations again, killed (SIGKILL) once 40% of their steps were accepted
      int total = crashed.stream().mapToInt(c -> c.steps.size()).sum();
      AtomicInteger killed = new AtomicInteger();
      play(crashed, () -> base[0], accepted -> {
        if (accepted == total * 4 / 10 && killed.compareAndSet(0, 1)) {
          try {
            child[0].kill();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          killed.set(2);
        }
      }, () -> {
        // restarted by the test once the kill happened: the threads retry until it answers
        if (killed.get() == 2 && killed.compareAndSet(2, 3)) {
          try {
            child[0] = ChildService.start(env, port, ChildService.logFile("durability-second.log"));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      assertThat(killed.get()).as("the service was killed and restarted mid-stream").isEqualTo(3);
      Map<String, JsonObject> crashedStates = awaitFinished(base[0], crashed);
      Map<String, JsonObject> referenceStates = awaitFinished(base[0], reference); // restored as well

      String eventsTopic = kafka.topicPrefix() + "realtime.session.events";
      String samplesTopic = kafka.topicPrefix() + "realtime.latency.samples";
      List<EventEnvelope> events = kafka.readEventsUntil(eventsTopic, l -> false, Duration.ofSeconds(2));
      List<EventEnvelope> samples = kafka.readEventsUntil(samplesTopic, l -> false, Duration.ofSeconds(1));
      for (int i = 0; i < SESSIONS; i++) {
        Conversation ref = reference.get(i);
        Conversation c = crashed.get(i);
        JsonObject expected = comparable(referenceStates.get(ref.sessionId));
        JsonObject actual = comparable(crashedStates.get(c.sessionId));
        int extra = actual.getJsonObject("counters").getInteger("duplicates")
            - expected.getJsonObject("counters").getInteger("duplicates");
        assertThat(extra).as(c.sessionId + ": duplicates beyond the requests sent again after an ambiguous answer")
            .isBetween(0, c.ambiguousRetries);
        actual.getJsonObject("counters").remove("duplicates");
        expected.getJsonObject("counters").remove("duplicates");
        assertThat(actual).as(c.sessionId).isEqualTo(expected);
        // derived events and samples: re-applied batches write the same ids again, so once per id
        assertThat(derived(events, c.sessionId)).as(c.sessionId + " events").isEqualTo(derived(events, ref.sessionId));
        assertThat(derived(samples, c.sessionId)).as(c.sessionId + " samples")
            .isEqualTo(derived(samples, ref.sessionId)).hasSize(TURNS);
      }
    } finally {
      child[0].kill();
    }
  }

  @Test
  void twoInstancesInOneGroupShareTheSessionsAndEitherAnswersForAny(TestKafka kafka) throws Exception {
    Map<String, String> env = Harness.env(kafka, PATIENT);
    long start = System.currentTimeMillis() - 120_000;
    List<Conversation> conversations = conversations("pair", start, Instant.now().plusSeconds(3600));
    try (Harness.Service one = new Harness.Service(env); Harness.Service two = new Harness.Service(env)) {
      // each step goes to one or the other instance, alternately
      AtomicInteger step = new AtomicInteger();
      play(conversations, () -> step.incrementAndGet() % 2 == 0 ? one.base : two.base, n -> { });
      Map<String, JsonObject> viaOne = awaitFinished(one.base, conversations);
      Map<String, JsonObject> viaTwo = awaitFinished(two.base, conversations);
      // the second instance's join may still be rebalancing when a fast run has finished; once the
      // group settles each owns the sessions of its partitions, restored from the state topic
      Eventually.await("both instances own sessions once the group has settled",
          () -> one.verticle.ownedSessions() > 0 && two.verticle.ownedSessions() > 0
              && one.verticle.ownedSessions() + two.verticle.ownedSessions() == SESSIONS,
          Duration.ofSeconds(30));
      assertThat(one.verticle.ownedSessions()).as("instance one owns some sessions").isPositive();
      assertThat(two.verticle.ownedSessions()).as("instance two owns some sessions").isPositive();
      assertThat(one.verticle.ownedSessions() + two.verticle.ownedSessions()).isEqualTo(SESSIONS);

      JsonObject first = comparable(viaOne.get(conversations.get(0).sessionId));
      assertThat(first.getString("phase")).isEqualTo("LISTENING");
      assertThat(first.getInteger("turn")).isEqualTo(TURNS);
      assertThat(first.getLong("last_ack_seq")).isEqualTo((long) conversations.get(0).eventCount());
      JsonObject counters = first.getJsonObject("counters");
      assertThat(counters.getInteger("interrupts")).isEqualTo(TURNS / 3);
      assertThat(counters.getInteger("interrupts_recovered")).isEqualTo(TURNS / 3);
      assertThat(counters.getInteger("duplicates")).isZero();
      assertThat(counters.getInteger("stale_events")).isZero();
      assertThat(counters.getInteger("refused")).isZero();
      for (Conversation c : conversations) {
        assertThat(comparable(viaOne.get(c.sessionId))).as(c.sessionId).isEqualTo(first);
        assertThat(viaTwo.get(c.sessionId)).as(c.sessionId + " read on the other instance")
            .isEqualTo(viaOne.get(c.sessionId));
      }
    }
  }

  // ---- helpers ----

  private static List<Conversation> conversations(String prefix, long start, Instant secretExpiry) {
    List<Conversation> out = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      out.add(new Conversation(prefix + "-" + i, TURNS, start, secretExpiry));
    }
    return out;
  }

  private static void play(List<Conversation> conversations, java.util.function.Supplier<String> base,
                           java.util.function.IntConsumer onAccepted) throws Exception {
    play(conversations, base, onAccepted, () -> { });
  }

  /**
   * Plays the conversations on {@link #THREADS} threads, each taking one step of each of its
   * conversations in turn (so every session is mid-stream at any moment), retrying a step until it is
   * accepted; {@code onFailure} runs after each failed attempt.
   */
  private static void play(List<Conversation> conversations, java.util.function.Supplier<String> base,
                           java.util.function.IntConsumer onAccepted, Runnable onFailure) throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        List<Conversation> mine = new ArrayList<>();
        for (int i = t; i < conversations.size(); i += THREADS) {
          mine.add(conversations.get(i));
        }
        runs.add(pool.submit(() -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
          while (mine.stream().anyMatch(c -> !c.done())) {
            for (Conversation c : mine) {
              if (c.done()) {
                continue;
              }
              if (c.sendNext(base.get())) {
                onAccepted.accept(accepted.incrementAndGet());
              } else {
                onFailure.run();
                if (System.nanoTime() > deadline) {
                  throw new AssertionError("the service did not come back");
                }
                sleep(50);
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> run : runs) {
        run.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Waits until every conversation's last event is applied; answers each session's state. */
  private static Map<String, JsonObject> awaitFinished(String base, List<Conversation> conversations) {
    Map<String, JsonObject> states = new LinkedHashMap<>();
    for (Conversation c : conversations) {
      Eventually.await(c.sessionId + " finished", () -> {
        Http.Response r = Http.get(base + "/v1/sessions/" + c.sessionId, "Authorization", "Bearer " + c.token);
        if (r.status() != 200 || r.json().getLong("last_ack_seq") != c.eventCount()) {
          return false;
        }
        states.put(c.sessionId, r.json());
        return true;
      }, Duration.ofSeconds(60));
    }
    return states;
  }

  /**
   * The state without what names the session (the conversations are otherwise the same) and without
   * when the ingress last heard the client (wall time of the requests, different in every play).
   */
  private static JsonObject comparable(JsonObject state) {
    JsonObject s = state.copy();
    s.remove("session_id");
    s.remove("user_id");
    s.remove("client_heard_at_ms");
    return s;
  }

  /** A session's derived events, once per event id, as type and payload (without who it was). */
  private static List<String> derived(List<EventEnvelope> events, String sessionId) {
    Map<java.util.UUID, EventEnvelope> byId = new LinkedHashMap<>();
    events.stream().filter(e -> sessionId.equals(e.sessionId())).forEach(e -> byId.putIfAbsent(e.eventId(), e));
    return byId.values().stream().map(e -> {
      JsonObject p = e.payload().copy();
      p.remove("user_id");
      return e.type().wireName() + "@" + e.occurredAt().toEpochMilli() + " " + p.encode();
    }).collect(Collectors.toList());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
