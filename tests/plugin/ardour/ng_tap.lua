ardour {
	["type"]    = "dsp",
	name        = "notegen test tap",
	category    = "Utility",
	license     = "MIT",
	author      = "notegen tests",
	description = [[Counts the MIDI passing through (tests/plugin/test_ardour.py): what sounds, and what comes while the transport is stopped]]
}

-- shared ints: 0 note-ons seen, 1 note-ons seen while stopped, 2 notes sounding
-- after the latest stopped cycle, 3 stopped cycles that followed a rolling one,
-- 4 notes sounding after the latest rolling cycle

local sounding = {}
local count = 0
local was_rolling = false

function dsp_ioconfig ()
	return { { midi_in = 1, midi_out = 1, audio_in = 0, audio_out = 0 }, }
end

function dsp_init (rate)
	self:shmem():allocate(5)
	for i = 0, 4 do self:shmem():atomic_set_int(i, 0) end
end

function dsp_configure (ins, outs)
	n_out = outs
end

function dsp_runmap (bufs, in_map, out_map, n_samples, offset)
	ARDOUR.DSP.process_map (bufs, n_out, in_map, out_map, n_samples, offset)
	local shm = self:shmem()
	local rolling = Session:transport_rolling ()
	local ib = in_map:get (ARDOUR.DataType ("midi"), 0)
	if ib ~= ARDOUR.ChanMapping.Invalid then
		for _, e in pairs (bufs:get_midi (ib):table ()) do
			local ev = e:buffer():array()
			local kind, key = ev[1] & 0xf0, (ev[1] & 0x0f) * 128 + ev[2]
			if kind == 0x90 and ev[3] > 0 then
				shm:atomic_set_int(0, shm:atomic_get_int(0) + 1)
				if not rolling then shm:atomic_set_int(1, shm:atomic_get_int(1) + 1) end
				if not sounding[key] then count = count + 1 end
				sounding[key] = true
			elseif kind == 0x80 or kind == 0x90 then
				if sounding[key] then count = count - 1 end
				sounding[key] = nil
			end
		end
	end
	if rolling then
		shm:atomic_set_int(4, count)
	else
		shm:atomic_set_int(2, count)
		if was_rolling then shm:atomic_set_int(3, shm:atomic_get_int(3) + 1) end
	end
	was_rolling = rolling
end
