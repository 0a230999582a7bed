package org.pipesfs.buffers;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The event count: no lost wake-up between a waiter's check and its sleep, no wake-up for nothing. */
class DoorbellTest
{
    @Test
    void aRingBetweenPrepareAndAwaitIsNotLost() throws Exception
    {
        final Doorbell bell = new Doorbell();
        final Thread waiter = new Thread(() ->
        {
            final long ticket = bell.prepare();
            bell.ring(); // the state changed after the waiter looked, before it slept
            bell.await(ticket, TimeUnit.HOURS.toNanos(1));
            bell.finish();
        });
        waiter.start();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(waiter.isAlive()).as("await returned on the ring it had missed, not after an hour").isFalse();
    }

    @Test
    void aSleepingWaiterWakesOnARingFromAnotherThread() throws Exception
    {
        final Doorbell bell = new Doorbell();
        final CountDownLatch asleep = new CountDownLatch(1);
        final AtomicBoolean woke = new AtomicBoolean();
        final Thread waiter = new Thread(() ->
        {
            final long ticket = bell.prepare();
            asleep.countDown();
            woke.set(bell.await(ticket, TimeUnit.HOURS.toNanos(1)));
            bell.finish();
        });
        waiter.start();
        assertThat(asleep.await(30, TimeUnit.SECONDS)).isTrue();
        bell.ring();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(woke.get()).isTrue();
    }

    @Test
    void aRingWithNobodyWaitingDoesNotSatisfyALaterWait()
    {
        final Doorbell bell = new Doorbell();
        bell.ring();
        final long ticket = bell.prepare();
        final long before = System.nanoTime();
        assertThat(bell.await(ticket, TimeUnit.MILLISECONDS.toNanos(50))).isTrue();
        bell.finish();
        assertThat(System.nanoTime() - before).as("it waited out its timeout")
            .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void anInterruptedWaiterReturnsFalseWithItsFlagSetAgain() throws Exception
    {
        final Doorbell bell = new Doorbell();
        final AtomicBoolean result = new AtomicBoolean(true);
        final AtomicBoolean flag = new AtomicBoolean();
        final CountDownLatch asleep = new CountDownLatch(1);
        final Thread waiter = new Thread(() ->
        {
            final long ticket = bell.prepare();
            asleep.countDown();
            result.set(bell.await(ticket, TimeUnit.HOURS.toNanos(1)));
            flag.set(Thread.currentThread().isInterrupted());
            bell.finish();
        });
        waiter.start();
        assertThat(asleep.await(30, TimeUnit.SECONDS)).isTrue();
        waiter.interrupt();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(result.get()).isFalse();
        assertThat(flag.get()).isTrue();
    }
}
