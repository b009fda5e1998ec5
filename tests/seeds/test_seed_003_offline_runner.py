"""Seed 003's ``OfflineTestRunner`` and ``TestScenarios`` (the Sonora client's offline
testing page), as the seed wrote them: only the import lines differ (``sonora`` is
``wiretwin.compat.sonora``: a real Lavalink v4 client against the Lavalink twin on
127.0.0.1:2333). The seed's runner failed 9 of its 10 scenarios because nothing listened
on 2333; here all ten pass. The two tests at the end are ours: they run the programs.

Its ``asyncio.sleep(0.1)`` (test_connection_stability) is the page's own, kept as written;
it runs only for a player with a ``_connected`` attribute, which SonoraPlayer has not, so
the suite never waits on it."""

import os
import asyncio

import pytest

from wiretwin.compat.sonora import SonoraClient, protocol_simulator, mock_factory
from wiretwin.compat.sonora import SonoraPlayer  # ours, for the check below

class OfflineTestRunner:
    def __init__(self):
        self.simulator = protocol_simulator
        self.mock_factory = mock_factory
        self.results = []

    async def run_all_tests(self):
        """Run complete test suite offline"""
        print("ðŸ§ª Starting offline test suite...")

        # Start simulator
        await self.simulator.start()

        try:
            # Basic functionality tests
            await self.test_basic_functionality()
            await self.test_queue_operations()
            await self.test_filter_system()
            await self.test_autoplay_system()
            await self.test_error_handling()
            await self.test_concurrent_operations()
            await self.test_fault_tolerance()

            # Performance tests
            await self.test_performance_under_load()
            await self.test_memory_usage()
            await self.test_connection_stability()

        finally:
            await self.simulator.stop()

        # Report results
        self.print_results()

    async def test_basic_functionality(self):
        """Test basic player functionality"""
        try:
            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)
            track = self.mock_factory.create_mock_track()

            await player.play(track)
            assert player.current_track is not None

            await player.pause()
            assert player.paused

            await player.resume()
            assert not player.paused

            await client.close()

            self.results.append(("Basic Functionality", True, None))

        except Exception as e:
            self.results.append(("Basic Functionality", False, str(e)))

    async def test_queue_operations(self):
        """Test queue operations"""
        try:
            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)

            # Add multiple tracks
            tracks = [self.mock_factory.create_mock_track() for _ in range(5)]
            for track in tracks:
                await player.queue.add(track)

            assert len(player.queue.upcoming) == 5

            # Test shuffle
            await player.queue.smart_shuffle()
            assert len(player.queue.upcoming) == 5  # Same count, different order

            # Test skip through queue
            for _ in range(5):
                await player.skip()

            assert len(player.queue.upcoming) == 0

            await client.close()
            self.results.append(("Queue Operations", True, None))

        except Exception as e:
            self.results.append(("Queue Operations", False, str(e)))

    async def test_filter_system(self):
        """Test audio filter system"""
        try:
            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)
            track = self.mock_factory.create_mock_track()
            await player.play(track)

            # Test bass boost
            player.filters.bass_boost("high")
            await player.set_filters()

            # Test nightcore
            player.filters.nightcore()
            await player.set_filters()

            # Test equalizer
            from wiretwin.compat.sonora import Equalizer
            eq = Equalizer()
            eq.set_band(0, 0.5)  # Boost bass
            player.filters.set_filter(eq)

            await client.close()
            self.results.append(("Filter System", True, None))

        except Exception as e:
            self.results.append(("Filter System", False, str(e)))

    async def test_autoplay_system(self):
        """Test autoplay functionality"""
        try:
            from wiretwin.compat.sonora import AutoplayEngine

            autoplay = AutoplayEngine(123)

            # Configure autoplay
            autoplay.configure({
                "enabled": True,
                "strategy": "similar_artist",
                "max_history": 10
            })

            # Test track recommendation (would need mock context)
            context = {
                "history": [self.mock_factory.create_mock_track() for _ in range(3)],
                "current": self.mock_factory.create_mock_track()
            }

            # Note: Actual recommendation requires external APIs
            # This tests the configuration and setup
            assert autoplay.enabled
            assert autoplay.strategy == "similar_artist"

            self.results.append(("Autoplay System", True, None))

        except Exception as e:
            self.results.append(("Autoplay System", False, str(e)))

    async def test_error_handling(self):
        """Test error handling and recovery"""
        try:
            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)

            # Test invalid operations
            try:
                await player.play(None)
                assert False, "Should have failed"
            except:
                pass  # Expected

            # Test queue edge cases
            await player.queue.clear()
            assert len(player.queue.upcoming) == 0

            await player.skip()  # Skip with empty queue

            await client.close()
            self.results.append(("Error Handling", True, None))

        except Exception as e:
            self.results.append(("Error Handling", False, str(e)))

    async def test_concurrent_operations(self):
        """Test concurrent operations"""
        try:
            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)

            # Create concurrent operations
            async def add_track():
                track = self.mock_factory.create_mock_track()
                await player.queue.add(track)

            async def skip_track():
                await asyncio.sleep(0.01)  # Small delay
                await player.skip()

            # Run concurrently
            tasks = [add_track() for _ in range(10)] + [skip_track() for _ in range(5)]
            await asyncio.gather(*tasks, return_exceptions=True)

            await client.close()
            self.results.append(("Concurrent Operations", True, None))

        except Exception as e:
            self.results.append(("Concurrent Operations", False, str(e)))

    async def test_fault_tolerance(self):
        """Test fault tolerance with injected faults"""
        try:
            # Enable faults
            self.simulator.enable_fault_injection({
                "packet_loss": 0.1,
                "latency_spike": 0.2,
                "connection_drop": 0.05
            })

            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)

            # Test operations under fault conditions
            for i in range(10):
                try:
                    track = self.mock_factory.create_mock_track()
                    await player.queue.add(track)
                    await player.skip()
                except Exception:
                    # Some operations may fail due to faults - this is expected
                    pass

            await client.close()

            # Disable faults
            self.simulator.disable_fault_injection()

            self.results.append(("Fault Tolerance", True, None))

        except Exception as e:
            self.results.append(("Fault Tolerance", False, str(e)))

    async def test_performance_under_load(self):
        """Test performance under load"""
        try:
            import time

            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)

            # Performance test: add many tracks quickly
            start_time = time.time()

            tracks = [self.mock_factory.create_mock_track() for _ in range(100)]
            tasks = [player.queue.add(track) for track in tracks]
            await asyncio.gather(*tasks)

            end_time = time.time()
            duration = end_time - start_time

            # Should complete in reasonable time
            assert duration < 5.0  # Less than 5 seconds
            assert len(player.queue.upcoming) == 100

            await client.close()
            self.results.append(("Performance Under Load", True, f"{duration:.2f}s"))

        except Exception as e:
            self.results.append(("Performance Under Load", False, str(e)))

    async def test_memory_usage(self):
        """Test memory usage patterns"""
        try:
            import psutil
            import os

            process = psutil.Process(os.getpid())
            initial_memory = process.memory_info().rss / 1024 / 1024  # MB

            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)

            # Add many tracks to test memory usage
            tracks = [self.mock_factory.create_mock_track() for _ in range(500)]
            tasks = [player.queue.add(track) for track in tracks]
            await asyncio.gather(*tasks)

            peak_memory = process.memory_info().rss / 1024 / 1024  # MB
            memory_increase = peak_memory - initial_memory

            # Memory increase should be reasonable (< 50MB for 500 tracks)
            assert memory_increase < 50.0

            await client.close()
            self.results.append(("Memory Usage", True, f"+{memory_increase:.1f}MB"))

        except Exception as e:
            self.results.append(("Memory Usage", False, str(e)))

    async def test_connection_stability(self):
        """Test connection stability under various conditions"""
        try:
            client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
            await client.start()

            player = await client.get_player(123)

            # Test rapid connect/disconnect cycles
            for i in range(5):
                # Simulate connection issues
                if hasattr(player, '_connected'):
                    player._connected = False
                    await asyncio.sleep(0.1)
                    player._connected = True

                # Try operations during connection changes
                track = self.mock_factory.create_mock_track()
                await player.queue.add(track)

            await client.close()
            self.results.append(("Connection Stability", True, None))

        except Exception as e:
            self.results.append(("Connection Stability", False, str(e)))

    def print_results(self):
        """Print test results"""
        print("\n" + "="*50)
        print("ðŸ§ª OFFLINE TEST RESULTS")
        print("="*50)

        passed = 0
        failed = 0

        for test_name, success, details in self.results:
            status = "âœ… PASS" if success else "âŒ FAIL"
            print(f"{status} {test_name}")
            if details:
                print(f"      {details}")
            print()

            if success:
                passed += 1
            else:
                failed += 1

        print(f"ðŸ“Š Summary: {passed} passed, {failed} failed")
        print("="*50)


class TestScenarios:
    def __init__(self, simulator, mock_factory):
        self.simulator = simulator
        self.mock_factory = mock_factory

    async def scenario_large_guild(self):
        """Test with many users in a guild"""
        client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
        await client.start()

        # Simulate 100 concurrent users
        players = []
        for i in range(100):
            player = await client.get_player(i + 1000)
            players.append(player)

        # All users add tracks simultaneously
        tasks = []
        for player in players:
            track = self.mock_factory.create_mock_track()
            task = player.queue.add(track)
            tasks.append(task)

        await asyncio.gather(*tasks)

        # Verify all queues have tracks
        for player in players:
            assert len(player.queue.upcoming) == 1

        await client.close()

    async def scenario_high_frequency(self):
        """Test high-frequency operations"""
        client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
        await client.start()

        player = await client.get_player(123)

        # Rapid skip operations
        track = self.mock_factory.create_mock_track()
        await player.play(track)

        for i in range(50):
            next_track = self.mock_factory.create_mock_track()
            await player.queue.add(next_track)
            await player.skip()

        await client.close()

    async def scenario_memory_pressure(self):
        """Test under memory pressure"""
        import gc

        client = SonoraClient([{"host": "127.0.0.1", "port": 2333, "password": "test"}])
        await client.start()

        player = await client.get_player(123)

        # Add thousands of tracks
        tracks = [self.mock_factory.create_mock_track() for _ in range(2000)]
        tasks = [player.queue.add(track) for track in tracks]
        await asyncio.gather(*tasks)

        # Force garbage collection
        gc.collect()

        # Verify system stability
        assert len(player.queue.upcoming) > 0

        await client.close()


# -- ours: running the seed's programs ------------------------------------------------------

TestScenarios.__test__ = False  # type: ignore[attr-defined]  # a helper, not tests


async def test_the_offline_runner_passes_all_ten():
    # The seed's "Connection Stability" scenario sleeps 0.1 s only for a player with a
    # `_connected` attribute; SonoraPlayer has none, so that fixed sleep never runs here.
    assert not hasattr(SonoraPlayer(SonoraClient([{}]), 1), "_connected")
    runner = OfflineTestRunner()
    await runner.run_all_tests()
    failed = [(name, details) for name, success, details in runner.results if not success]
    assert len(runner.results) == 10 and failed == []


async def test_the_scenarios():
    await protocol_simulator.start()
    try:
        scenarios = TestScenarios(protocol_simulator, mock_factory)
        await scenarios.scenario_large_guild()
        await scenarios.scenario_high_frequency()
        await scenarios.scenario_memory_pressure()
    finally:
        await protocol_simulator.stop()
