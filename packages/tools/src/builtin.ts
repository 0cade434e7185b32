import type { Tool } from './tool.js';
import { type BashTool, type BashToolOptions, createBashTool } from './tools/bash.js';
import { createEditFileTool } from './tools/edit-file.js';
import { createGlobTool } from './tools/glob.js';
import { createGrepTool, type GrepLimits } from './tools/grep.js';
import { createListDirectoryTool } from './tools/list-directory.js';
import { createReadFileTool } from './tools/read-file.js';
import { createTaskTool } from './tools/task.js';
import { createWriteFileTool } from './tools/write-file.js';

/** Options for {@link builtinTools}. */
export interface BuiltinToolsOptions {
  readonly bash: BashToolOptions;
  readonly grep?: Partial<GrepLimits>;
}

/** The 8 built-in tools, by name. `bash` keeps per-session state (its working directory). */
export interface BuiltinTools {
  readonly read_file: Tool;
  readonly write_file: Tool;
  readonly edit_file: Tool;
  readonly glob: Tool;
  readonly grep: Tool;
  readonly list_directory: Tool;
  readonly bash: BashTool;
  readonly task: Tool;
}

/** Creates the 8 built-in tools for one session (or sub-agent session). */
export function builtinTools(options: BuiltinToolsOptions): BuiltinTools {
  return {
    read_file: createReadFileTool() as Tool,
    write_file: createWriteFileTool() as Tool,
    edit_file: createEditFileTool() as Tool,
    glob: createGlobTool() as Tool,
    grep: createGrepTool(options.grep) as Tool,
    list_directory: createListDirectoryTool() as Tool,
    bash: createBashTool(options.bash),
    task: createTaskTool() as Tool,
  };
}

/** The tools of {@link builtinTools} as a list, in a stable order (for the LLM's tool list). */
export function toolList(tools: BuiltinTools): Tool[] {
  return [
    tools.read_file,
    tools.write_file,
    tools.edit_file,
    tools.glob,
    tools.grep,
    tools.list_directory,
    tools.bash as Tool,
    tools.task,
  ];
}
