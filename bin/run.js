#!/usr/bin/env node
// The agentctl entry point. oclif reads the compiled commands from dist/commands.
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
