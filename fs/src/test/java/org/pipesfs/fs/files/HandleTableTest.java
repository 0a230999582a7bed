package org.pipesfs.fs.files;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** File handles: found while open, never found again once released, even when the slot is reused. */
class HandleTableTest
{
    /** An open file that only records that it was closed. */
    private static final class Probe implements OpenFile
    {
        boolean closed;

        public int read(final long address, final int size, final long offset, final MountState mount)
        {
            return 0;
        }

        public void close()
        {
            closed = true;
        }
    }

    @Test
    void aReleasedHandleNeverFindsTheNextFileInItsSlot()
    {
        final HandleTable table = new HandleTable();
        final Probe first = new Probe();
        final long handle = table.add(first);
        assertThat(table.get(handle)).isSameAs(first);
        assertThat(table.remove(handle)).isSameAs(first);
        assertThat(table.get(handle)).isNull();
        assertThat(table.remove(handle)).as("released twice").isNull();

        final Probe second = new Probe();
        final long reused = table.add(second);
        assertThat((int)reused).as("the slot is reused").isEqualTo((int)handle);
        assertThat(reused).as("with a new generation").isNotEqualTo(handle);
        assertThat(table.get(handle)).as("the stale handle").isNull();
        assertThat(table.get(reused)).isSameAs(second);
    }

    @Test
    void handlesOutOfRangeAreNotFound()
    {
        final HandleTable table = new HandleTable();
        assertThat(table.get(-1)).isNull();
        assertThat(table.get(HandleTable.MAX_OPEN)).isNull();
        assertThat(table.get(0)).isNull();
    }

    @Test
    void aFullTableRefusesAndCloseAllClosesWhatIsOpen()
    {
        final HandleTable table = new HandleTable();
        final List<Probe> open = new ArrayList<>();
        for (int i = 0; i < HandleTable.MAX_OPEN; i++)
        {
            final Probe probe = new Probe();
            open.add(probe);
            assertThat(table.add(probe)).isNotNegative();
        }
        assertThat(table.add(new Probe())).isEqualTo(-1);
        table.closeAll();
        assertThat(open).allMatch(probe -> probe.closed);
    }
}
