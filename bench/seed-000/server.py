"""
The seed-000 agent ("Building Enterprise-Grade AI Agents with MiniMax", /work/shared/seeds/000_*),
assembled as its guide writes it, so bench/agent.mjs can measure what a user would build from the
seed on the same stub LLM, Redis and PostgreSQL as the reference agent.

Adaptations, each the least that makes it run (everything else is the seed's code):
- the `minimax` SDK does not exist on PyPI: `_call_minimax` posts the same request to an
  OpenAI-compatible /chat/completions with httpx.AsyncClient (LLM_BASE_URL) and returns the dict
  the seed's code reads with .get();
- SQLAlchemy reserves the attribute name `metadata` on declarative models: the column keeps its
  name, the attribute is `metadata_`;
- configuration from DATABASE_URL / REDIS_URL / LLM_BASE_URL; the table lives wherever the
  connection's search_path points (the bench's own schema).
- logging at WARNING and uvicorn without its access log (the guide logs at INFO: a line per
  iteration and tool call), as the bench runs the reference agent with LOG_LEVEL=warn.
Blocking redis-py and SQLAlchemy calls inside async handlers are the seed's, kept on purpose; so
is one uvicorn worker (the guide's CMD).
"""
import asyncio
import json
import logging
import os
import uuid
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, Dict, List, Optional

import httpx
import redis
from fastapi import FastAPI, HTTPException
from fastapi.responses import Response
from prometheus_client import Counter, Gauge, Histogram, generate_latest
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, String, Text, create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

logging.basicConfig(level=os.getenv("LOG_LEVEL", "WARNING"))
logger = logging.getLogger(__name__)


class MiniMaxConfig(BaseModel):
    base_url: str = os.getenv("LLM_BASE_URL", "http://127.0.0.1:4010/v1")
    model: str = "gpt-4o-mini"
    temperature: float = 0.7
    max_tokens: int = 4096
    timeout: int = 30


class AgentConfig(BaseModel):
    max_iterations: int = 10
    tool_timeout: int = 30
    enable_memory: bool = True
    safety_checks: bool = True


class ToolParameter(BaseModel):
    name: str
    type: str
    description: str
    required: bool = True
    enum: Optional[list] = None


class ToolDefinition(BaseModel):
    name: str
    description: str
    parameters: list[ToolParameter]


class BaseTool(ABC):
    def __init__(self):
        self.execution_count = 0
        self.error_count = 0

    @property
    @abstractmethod
    def definition(self) -> ToolDefinition: ...

    @abstractmethod
    async def execute(self, **kwargs) -> Dict[str, Any]: ...

    async def safe_execute(self, **kwargs) -> Dict[str, Any]:
        self.execution_count += 1
        logger.info(f"Executing tool: {self.definition.name} with params: {kwargs}")
        try:
            result = await self.execute(**kwargs)
            logger.info(f"Tool {self.definition.name} succeeded")
            return {"success": True, "result": result}
        except Exception as e:
            self.error_count += 1
            logger.error(f"Tool {self.definition.name} failed: {str(e)}")
            return {"success": False, "error": str(e)}


class WebSearchTool(BaseTool):
    @property
    def definition(self) -> ToolDefinition:
        return ToolDefinition(
            name="web_search",
            description="Search the internet for current information. Use when you need up-to-date data, news, or information not in your training data.",
            parameters=[
                ToolParameter(name="query", type="string", description="Search query string. Be specific and concise.", required=True),
                ToolParameter(name="num_results", type="number", description="Number of results to return (1-10)", required=False),
            ],
        )

    async def execute(self, query: str = "", num_results: int = 5, **_ignored) -> Dict[str, Any]:
        results = [
            {"title": f"Result {i+1} for: {query}", "url": f"https://example.com/result{i+1}", "snippet": f"Relevant content snippet for {query}..."}
            for i in range(min(int(num_results), 5))
        ]
        return {"query": query, "results": results, "total_count": len(results)}


class ToolRegistry:
    def __init__(self):
        self.tools: Dict[str, BaseTool] = {}

    def register(self, tool: BaseTool):
        self.tools[tool.definition.name] = tool

    def get_tool(self, name: str) -> Optional[BaseTool]:
        return self.tools.get(name)

    def get_all_definitions(self) -> list[ToolDefinition]:
        return [tool.definition for tool in self.tools.values()]


Base = declarative_base()


class ConversationHistory(Base):
    __tablename__ = "conversation_history"
    id = Column(String, primary_key=True)
    session_id = Column(String, index=True)
    user_id = Column(String, index=True)
    message = Column(Text)
    role = Column(String)
    timestamp = Column(DateTime, default=datetime.utcnow)
    metadata_ = Column("metadata", Text)


class MemoryManager:
    def __init__(self):
        self.redis_client = redis.Redis.from_url(os.getenv("REDIS_URL", "redis://127.0.0.1:6379"), decode_responses=True)
        self.prefix = os.getenv("REDIS_PREFIX", "")
        self.engine = create_engine(os.environ["DATABASE_URL"], pool_size=10, max_overflow=20)
        Base.metadata.create_all(self.engine)
        self.Session = sessionmaker(bind=self.engine)
        self.ttl = 3600

    async def add_message(self, session_id: str, role: str, content: str, metadata: Optional[Dict] = None):
        message = {"role": role, "content": content, "timestamp": datetime.utcnow().isoformat(), "metadata": metadata or {}}
        cache_key = f"{self.prefix}session:{session_id}:messages"
        self.redis_client.rpush(cache_key, json.dumps(message))
        self.redis_client.expire(cache_key, self.ttl)
        session = self.Session()
        try:
            db_message = ConversationHistory(
                id=f"{session_id}:{datetime.utcnow().timestamp()}:{uuid.uuid4().hex[:6]}",
                session_id=session_id,
                user_id=metadata.get("user_id") if metadata else None,
                message=content,
                role=role,
                metadata_=json.dumps(metadata) if metadata else None,
            )
            session.add(db_message)
            session.commit()
        finally:
            session.close()

    async def get_history(self, session_id: str, limit: int = 50) -> List[Dict[str, Any]]:
        cache_key = f"{self.prefix}session:{session_id}:messages"
        cached_messages = self.redis_client.lrange(cache_key, -limit, -1)
        if cached_messages:
            return [json.loads(msg) for msg in cached_messages]
        session = self.Session()
        try:
            db_messages = session.query(ConversationHistory).filter_by(session_id=session_id).order_by(ConversationHistory.timestamp.desc()).limit(limit).all()
            messages = [
                {"role": msg.role, "content": msg.message, "timestamp": msg.timestamp.isoformat(), "metadata": json.loads(msg.metadata_) if msg.metadata_ else {}}
                for msg in reversed(db_messages)
            ]
            if messages:
                for msg in messages:
                    self.redis_client.rpush(cache_key, json.dumps(msg))
                self.redis_client.expire(cache_key, self.ttl)
            return messages
        finally:
            session.close()


class AgentOrchestrator:
    def __init__(self, minimax_config, agent_config, tool_registry, memory_manager):
        self.client = httpx.AsyncClient(base_url=minimax_config.base_url, timeout=minimax_config.timeout)
        self.config = minimax_config
        self.agent_config = agent_config
        self.tools = tool_registry
        self.memory = memory_manager

    async def process_message(self, session_id: str, user_message: str, user_id: Optional[str] = None) -> Dict[str, Any]:
        history = await self.memory.get_history(session_id)
        await self.memory.add_message(session_id=session_id, role="user", content=user_message, metadata={"user_id": user_id})
        messages = self._build_messages(history, user_message)
        iteration = 0
        while iteration < self.agent_config.max_iterations:
            iteration += 1
            response = await self._call_minimax(messages)
            if self._has_tool_calls(response):
                messages.append(response["choices"][0]["message"])
                tool_results = await self._execute_tools(response)
                messages.extend(self._format_tool_results(tool_results))
                continue
            final_response = self._extract_response(response)
            await self.memory.add_message(session_id=session_id, role="assistant", content=final_response)
            return {"response": final_response, "iterations": iteration, "success": True}
        return {"response": "I apologize, but I need more time to process this request.", "iterations": iteration, "success": False, "error": "max_iterations_exceeded"}

    def _build_messages(self, history, current_message):
        messages = [{"role": "system", "content": "You are an enterprise AI assistant with access to tools. \nWhen you need information or to perform actions:\n1. Think carefully about what information you need\n2. Use available tools to gather information or take actions\n3. Synthesize the results into a helpful response\nAlways be concise, accurate, and professional."}]
        for msg in history[-10:]:
            messages.append({"role": msg["role"], "content": msg["content"]})
        messages.append({"role": "user", "content": current_message})
        return messages

    async def _call_minimax(self, messages):
        try:
            response = await self.client.post("/chat/completions", json={
                "model": self.config.model, "messages": messages, "tools": self._format_tools_for_api(), "tool_choice": "auto",
                "temperature": self.config.temperature, "max_tokens": self.config.max_tokens,
            })
            response.raise_for_status()
            return response.json()
        except Exception as e:
            logger.error(f"MiniMax API error: {str(e)}")
            raise

    def _format_tools_for_api(self):
        tools = []
        for tool_def in self.tools.get_all_definitions():
            tools.append({"type": "function", "function": {"name": tool_def.name, "description": tool_def.description, "parameters": {
                "type": "object",
                "properties": {p.name: {"type": p.type, "description": p.description, **({"enum": p.enum} if p.enum else {})} for p in tool_def.parameters},
                "required": [p.name for p in tool_def.parameters if p.required],
            }}})
        return tools

    def _has_tool_calls(self, response):
        return bool(response.get("choices", [{}])[0].get("message", {}).get("tool_calls"))

    async def _execute_tools(self, response):
        tool_calls = response.get("choices", [{}])[0].get("message", {}).get("tool_calls", [])
        results = []
        for tool_call in tool_calls:
            function_name = tool_call["function"]["name"]
            function_args = json.loads(tool_call["function"]["arguments"])
            tool = self.tools.get_tool(function_name)
            if not tool:
                results.append({"tool_call_id": tool_call["id"], "error": f"Tool {function_name} not found"})
                continue
            try:
                result = await asyncio.wait_for(tool.safe_execute(**function_args), timeout=self.agent_config.tool_timeout)
                results.append({"tool_call_id": tool_call["id"], "result": result})
            except asyncio.TimeoutError:
                results.append({"tool_call_id": tool_call["id"], "error": "Tool execution timeout"})
        return results

    def _format_tool_results(self, results):
        return [{"role": "tool", "tool_call_id": r["tool_call_id"], "content": json.dumps(r.get("result") or {"error": r.get("error")})} for r in results]

    def _extract_response(self, response):
        return response.get("choices", [{}])[0].get("message", {}).get("content", "I apologize, but I couldn't generate a response.")


app = FastAPI(title="Enterprise AI Agent API")
tool_registry = ToolRegistry()
tool_registry.register(WebSearchTool())
memory_manager = MemoryManager()
agent = AgentOrchestrator(MiniMaxConfig(), AgentConfig(), tool_registry, memory_manager)

request_count = Counter("agent_requests_total", "Total number of agent requests", ["status", "user_id"])
request_duration = Histogram("agent_request_duration_seconds", "Agent request duration in seconds")
active_sessions = Gauge("active_sessions", "Number of active sessions")


class ChatRequest(BaseModel):
    message: str
    session_id: Optional[str] = None
    user_id: Optional[str] = None


class ChatResponse(BaseModel):
    response: str
    session_id: str
    iterations: int
    success: bool


@app.post("/chat", response_model=ChatResponse)
async def chat(request: ChatRequest):
    session_id = request.session_id or str(uuid.uuid4())
    with request_duration.time():
        try:
            result = await agent.process_message(session_id=session_id, user_message=request.message, user_id=request.user_id)
            request_count.labels(status="success", user_id=request.user_id or "anonymous").inc()
            return ChatResponse(response=result["response"], session_id=session_id, iterations=result["iterations"], success=result["success"])
        except Exception as e:
            request_count.labels(status="error", user_id=request.user_id or "anonymous").inc()
            logger.error(f"Chat error: {str(e)}")
            raise HTTPException(status_code=500, detail=str(e))


@app.get("/health")
async def health_check():
    return {"status": "healthy"}


@app.get("/metrics")
async def metrics():
    return Response(content=generate_latest(), media_type="text/plain")
